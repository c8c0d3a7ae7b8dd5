#!/usr/bin/env node
// Compiles src/ to dist/ with esbuild (tsx's own compiler, already a
// dependency): one .js per .ts, same folders, other files copied as they
// are. `npm start` runs dist/, not src/ through tsx, because tsx's loader
// runs in a second V8 thread that costs a running server about 35 MB of
// memory (bench/README.md) and compiles every module again at each start.
// Type checking is `npm run typecheck`; this step only strips types.
//
//   node scripts/build.mjs        # about half a second
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const out = path.join(root, 'dist');

/** Every file under a folder, relative to it. */
function files(dir, rel = '') {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    return e.isDirectory() ? files(dir, r) : [r];
  });
}

const all = files(src);
const ts = all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
// A fresh folder each time: a file deleted from src/ must not live on in dist/.
fs.rmSync(out, { recursive: true, force: true });
for (const f of all) {
  if (f.endsWith('.ts')) continue;
  fs.mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
  fs.copyFileSync(path.join(src, f), path.join(out, f));
}
await build({
  entryPoints: ts.map((f) => path.join(src, f)),
  outdir: out,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Node 20 has every \p{...} escape, but esbuild's table for node20 says otherwise and turns each
  // /\p{Lu}/u outside a character class into `new RegExp("\\p{Lu}", "u")`, built again on every
  // call (per character in the keyboard layout and the language detection: issue 17.1).
  supported: { 'regexp-unicode-property-escapes': true },
  bundle: false,
  sourcemap: 'linked',
  logLevel: 'warning',
});
console.log(`built ${ts.length} modules into dist/`);
