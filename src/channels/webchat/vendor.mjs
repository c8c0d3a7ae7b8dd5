#!/usr/bin/env node
/**
 * Ships Microsoft's official prebuilt Web Chat bundle with Lotse without
 * installing the `botframework-webchat` package and its hundreds of
 * megabytes of dependencies.
 *
 * How: `npm pack botframework-webchat@<pinned>` fetches only the package
 * tarball (about 7 MB) through npm's own client and registry settings;
 * this script checks the tarball against the pinned sha512 integrity (the
 * value the npm registry publishes for that version), extracts only
 * `dist/webchat.js` and its licence notice, checks the file against a pinned
 * sha384, and writes it with brotli and gzip copies to ./vendor/ next to
 * this file. Nothing else of the package reaches the disk.
 *
 * Run by `npm install` (postinstall, soft: a machine without network keeps
 * installing and Lotse says at start-up that the bundle is missing) and by
 * `npm run vendor:webchat` (strict: exits non-zero on any failure).
 *
 * To update Web Chat: change VERSION, TARBALL_INTEGRITY (from
 * `npm view botframework-webchat@<v> dist.integrity`) and BUNDLE_SHA384
 * (printed by this script when it does not match), then run it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

export const VERSION = '4.18.1';
export const TARBALL_INTEGRITY = 'sha512-7jpEUJ7olT62Xm+8eh7BhhIcXVfU2xD4pZDaeBt8K4XcNy6K/83UGIxE9BFkXmHMZ4hDEVOzs5cre07GWuaXzg==';
export const BUNDLE_SHA384 = 'sha384-AHFvk4Hi30kPlGug5u1RCA9gNO18GRKqhYcFtulI9sUUUp3HBpyjyTUf2/GVUHHb';

const here = path.dirname(fileURLToPath(import.meta.url));
export const vendorDir = path.join(here, 'vendor');

const sri = (alg, buf) => `${alg}-${createHash(alg).update(buf).digest('base64')}`;

/** The files of a (gunzipped) tar archive whose names pass `want`. Handles ustar names and GNU long names. */
function untar(buf, want) {
  const out = new Map();
  let off = 0;
  let longName;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a, b) => h.subarray(a, b).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(str(124, 136).trim() || '0', 8);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = str(345, 500);
    const name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    longName = undefined;
    const body = buf.subarray(off + 512, off + 512 + size);
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if ((type === '0' || type === '\0') && want(name)) out.set(name, Buffer.from(body));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function upToDate() {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(vendorDir, 'manifest.json'), 'utf8'));
    if (m.version !== VERSION || m.sha384 !== BUNDLE_SHA384) return false;
    return sri('sha384', fs.readFileSync(path.join(vendorDir, 'webchat.js'))) === BUNDLE_SHA384;
  } catch {
    return false;
  }
}

export function vendorWebchat({ log = (s) => process.stdout.write(`${s}\n`) } = {}) {
  if (upToDate()) {
    log(`lotse: Web Chat ${VERSION} bundle already in ${path.relative(process.cwd(), vendorDir) || vendorDir}`);
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-webchat-'));
  try {
    const started = Date.now();
    const npm = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
    const json = execFileSync(npm[0], [...npm[1], 'pack', `botframework-webchat@${VERSION}`, '--json', '--pack-destination', tmp, '--ignore-scripts'], {
      cwd: tmp,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    const info = JSON.parse(json.slice(json.indexOf('[')))[0];
    const tgz = fs.readFileSync(path.join(tmp, info.filename));
    const integrity = sri('sha512', tgz);
    if (integrity !== TARBALL_INTEGRITY) throw new Error(`tarball integrity mismatch: expected ${TARBALL_INTEGRITY}, got ${integrity}`);
    const files = untar(
      zlib.gunzipSync(tgz),
      (n) => n === 'package/dist/webchat.js' || n === 'package/dist/webchat.js.LICENSE.txt' || n === 'package/package.json',
    );
    const bundle = files.get('package/dist/webchat.js');
    if (!bundle) throw new Error('dist/webchat.js not found in the tarball');
    const sha384 = sri('sha384', bundle);
    if (sha384 !== BUNDLE_SHA384) throw new Error(`webchat.js hash mismatch: expected ${BUNDLE_SHA384}, got ${sha384}`);
    const pkg = JSON.parse(files.get('package/package.json')?.toString('utf8') ?? '{}');
    const br = zlib.brotliCompressSync(bundle, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bundle.length },
    });
    const gz = zlib.gzipSync(bundle, { level: 9 });
    fs.mkdirSync(vendorDir, { recursive: true });
    fs.writeFileSync(path.join(vendorDir, 'webchat.js'), bundle);
    fs.writeFileSync(path.join(vendorDir, 'webchat.js.br'), br);
    fs.writeFileSync(path.join(vendorDir, 'webchat.js.gz'), gz);
    const notice = [
      `botframework-webchat ${VERSION} (${pkg.license ?? 'MIT'}), Copyright (c) Microsoft Corporation.`,
      `Source: https://github.com/microsoft/BotFramework-WebChat  Package: botframework-webchat@${VERSION} (${TARBALL_INTEGRITY})`,
      '',
      'Notices of the third-party code inside dist/webchat.js, as shipped in the package:',
      '',
      files.get('package/dist/webchat.js.LICENSE.txt')?.toString('utf8') ?? '',
    ].join('\n');
    fs.writeFileSync(path.join(vendorDir, 'LICENSE.txt'), notice);
    const manifest = {
      version: VERSION,
      tarballIntegrity: TARBALL_INTEGRITY,
      sha384,
      bytes: bundle.length,
      brBytes: br.length,
      gzBytes: gz.length,
      tarballBytes: tgz.length,
    };
    fs.writeFileSync(path.join(vendorDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    log(
      `lotse: Web Chat ${VERSION} bundle verified and written to ${vendorDir} (${bundle.length} bytes, ${br.length} brotli, ${gz.length} gzip) in ${Date.now() - started} ms`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const soft = process.argv.includes('--soft');
  try {
    vendorWebchat();
  } catch (err) {
    const msg = `lotse: could not fetch the Web Chat bundle: ${err instanceof Error ? err.message : String(err)}`;
    if (!soft) {
      process.stderr.write(`${msg}\n`);
      process.exit(1);
    }
    process.stderr.write(`${msg}\nlotse: the web chat pages will not work until you run \`npm run vendor:webchat\`.\n`);
  }
}
