/**
 * The web chat channel: Lotse's own Direct Line 3.0 server, the demo page at
 * `/`, the embed snippet `/embed.js`, and Microsoft's official Web Chat
 * bundle served from Lotse itself (fetched and verified at install time by
 * vendor.mjs; brotli/gzip, immutable caching, no CDN).
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { CompiledContent } from '../../content/served.js';
import type { AppContext, Plugin } from '../../server/plugin-api.js';
import { newNonce, pageCsp, setPageCsp } from '../../server/security.js';
import { wellFormedReviver } from '../../util/text.js';
import { addressKey } from '../../util/keyed-hash.js';
import { ownUiString } from '../../util/ui-strings.js';
import { MAX_MESSAGE_LENGTH } from '../../shared/limits.js';
import { DirectLineServer, DL_PREFIX, webchatLocale } from './directline.js';
import { demoPage } from './pages.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const vendorDir = path.join(here, 'vendor');
const clientDir = path.join(here, 'client');
const SWEEP_MS = 3_600_000;
/** How often the elected instance looks for messages a dead instance acknowledged and did not answer. */
const ORPHAN_SWEEP_MS = 3_000;
/**
 * A message unanswered this long after it was acknowledged is taken to be orphaned: longer than a
 * conversation lock lives without its holder (10 s), so the dead holder's lock is gone by then.
 */
const ORPHAN_AGE_MS = 12_000;

interface Bundle {
  version: string;
  sha384: string;
  /**
   * The compressed copies in memory (1.6 MB, what nearly every browser asks for); the plain one
   * (3.9 MB) is read from disk for the rare client that takes neither (issue 10: memory).
   */
  files: { identity: string; identityBytes: number; br?: Buffer; gzip?: Buffer };
}

function loadBundle(): Bundle | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(vendorDir, 'manifest.json'), 'utf8')) as { version: string; sha384: string };
    const read = (f: string) => (fs.existsSync(path.join(vendorDir, f)) ? fs.readFileSync(path.join(vendorDir, f)) : undefined);
    const identity = path.join(vendorDir, 'webchat.js');
    if (!fs.existsSync(identity)) return undefined;
    return {
      version: m.version,
      sha384: m.sha384,
      files: { identity, identityBytes: fs.statSync(identity).size, br: read('webchat.js.br'), gzip: read('webchat.js.gz') },
    };
  } catch {
    return undefined;
  }
}

/** UI strings of one language for the page and Web Chat: only what the language itself has (no English fallback over Web Chat's own translations). */
export function clientConfig(c: CompiledContent, bundle: Bundle | undefined, maxTextChars = MAX_MESSAGE_LENGTH) {
  const ui = (lang: string, key: string, fallback: string) =>
    ownUiString(c.pack.ui, lang, `webchat.${key}`) ?? ownUiString(c.pack.ui, c.defaultLang, `webchat.${key}`) ?? fallback;
  return {
    version: c.pack.version,
    defaultLang: c.defaultLang,
    // The send box says so before a longer message goes out (the server answers one anyway).
    maxTextChars,
    bundle: bundle ? { url: `/webchat/${bundle.version}/webchat.js`, integrity: bundle.sha384 } : { url: '/webchat/missing/webchat.js', integrity: '' },
    languages: c.pack.languages.map((l) => {
      const own = (c.pack.ui[l.code]?.webchat as Record<string, unknown> | undefined)?.ui;
      const strings = own && typeof own === 'object' ? Object.fromEntries(Object.entries(own).filter(([, v]) => typeof v === 'string' && v.trim())) : undefined;
      return {
        code: l.code,
        name: l.name,
        dir: l.dir,
        locale: webchatLocale(l, l.code),
        aliases: l.aliases,
        // Web Chat ships no Farsi or Pashto: Lotse's own translations fill in (overrideLocalizedStrings).
        strings: strings && Object.keys(strings).length ? strings : undefined,
        ui: {
          title: ui(l.code, 'title', 'Lotse'),
          open: ui(l.code, 'open', 'Chat with us'),
          close: ui(l.code, 'close', 'Close chat'),
          language: ui(l.code, 'language', 'Language'),
          unavailable: ui(l.code, 'unavailable', 'The chat cannot be opened on this website at the moment.'),
          // {{length}} and {{max}} are filled in by the page, with the language's digits grouping.
          limitNear: ui(l.code, 'limitNear', '{{length}} of {{max}} characters'),
          limitOver: ui(l.code, 'limitOver', 'Your message has {{length}} characters; at most {{max}} fit in one. Please shorten it or send it in parts.'),
        },
      };
    }),
  };
}

export function webchatPlugin(): Plugin & { directLine?: DirectLineServer } {
  let sweep: NodeJS.Timeout | undefined;
  let stopAdopting: (() => Promise<void>) | undefined;
  const plugin: Plugin & { directLine?: DirectLineServer } = {
    name: 'webchat',
    async mount(app, ctx: AppContext) {
      const dl = new DirectLineServer(ctx, app.get('trust proxy fn') as (addr: string, i: number) => boolean);
      plugin.directLine = dl;
      ctx.bot.registerChannel('webchat', dl.deliverer());
      const bundle = loadBundle();
      if (!bundle) ctx.log.warn('the Web Chat bundle is missing: run `npm run vendor:webchat` (the chat pages will not work until then)');
      if (!ctx.config.WEBCHAT_ALLOWED_ORIGINS.length)
        ctx.log.warn(
          'WEBCHAT_ALLOWED_ORIGINS is not set: the embed (/embed.js) works only on pages of this server; on an NGO site it shows "chat unavailable". Set it to the site\'s origin, e.g. WEBCHAT_ALLOWED_ORIGINS=https://www.your-ngo.org',
        );
      const clientJs = fs.readFileSync(path.join(clientDir, 'lotse-chat.js'));
      const embedJs = fs.readFileSync(path.join(clientDir, 'embed.js'));
      const publicCors = (res: express.Response) => {
        res.setHeader('Access-Control-Allow-Origin', '*');
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      };

      app.use(DL_PREFIX, dl.router());

      // The chat page may be framed by this server and by WEBCHAT_ALLOWED_ORIGINS (an NGO's site), by nobody else.
      app.get('/', (req, res) => {
        const c = ctx.content.current();
        const nonce = newNonce();
        res.setHeader('Cache-Control', 'no-cache');
        setPageCsp(res, pageCsp(nonce, { config: ctx.config, embeddable: true, chat: true }), true);
        res
          .type('text/html; charset=utf-8')
          .send(
            demoPage(c, clientConfig(c, bundle, ctx.config.WEBCHAT_MAX_TEXT_CHARS), typeof req.query.lang === 'string' ? req.query.lang : undefined, nonce),
          );
      });

      app.get('/favicon.ico', (_req, res) => void res.status(204).setHeader('Cache-Control', 'public, max-age=86400').end());
      app.get('/embed.js', (_req, res) => {
        publicCors(res);
        res.setHeader('Cache-Control', 'public, max-age=300');
        res.type('text/javascript; charset=utf-8').send(embedJs);
      });
      app.get('/webchat/lotse-chat.js', (_req, res) => {
        publicCors(res);
        res.setHeader('Cache-Control', 'public, max-age=300');
        res.type('text/javascript; charset=utf-8').send(clientJs);
      });
      app.get('/webchat/config.json', (_req, res) => {
        publicCors(res);
        res.setHeader('Cache-Control', 'public, max-age=60');
        res.json(clientConfig(ctx.content.current(), bundle, ctx.config.WEBCHAT_MAX_TEXT_CHARS));
      });
      // Whether the asking page's origin may use the chat, so the embed can say so instead of a blank
      // panel (the session request fails as a bare CORS error the page cannot read). Only a yes or no
      // for the caller's own origin: the list itself is not shown.
      app.get('/webchat/origin', (req, res) => {
        publicCors(res);
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Vary', 'Origin');
        const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
        res.json({ origin: origin ?? null, allowed: dl.originAllowed(origin, req) });
      });
      app.get('/webchat/LICENSE.txt', (_req, res) => {
        const f = path.join(vendorDir, 'LICENSE.txt');
        if (!fs.existsSync(f)) return void res.status(404).type('text/plain').send('run npm run vendor:webchat');
        res.type('text/plain; charset=utf-8').sendFile(f);
      });
      app.get('/webchat/:version/webchat.js', (req, res) => {
        publicCors(res);
        if (!bundle || req.params.version !== bundle.version) {
          res
            .status(404)
            .type('text/plain')
            .send(bundle ? 'no such Web Chat version' : 'the Web Chat bundle is missing on this server: run `npm run vendor:webchat`');
          return;
        }
        const accept = String(req.headers['accept-encoding'] ?? '');
        const etag = `"${bundle.sha384}"`;
        res.setHeader('Vary', 'Accept-Encoding');
        res.setHeader('ETag', etag);
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        res.type('text/javascript; charset=utf-8');
        if (req.headers['if-none-match'] === etag) return void res.status(304).end();
        const [body, enc] =
          bundle.files.br && /\bbr\b/.test(accept)
            ? [bundle.files.br, 'br']
            : bundle.files.gzip && /\bgzip\b/.test(accept)
              ? [bundle.files.gzip, 'gzip']
              : [undefined, undefined];
        if (enc) res.setHeader('Content-Encoding', enc);
        res.setHeader('Content-Length', String(body ? body.length : bundle.files.identityBytes));
        if (req.method === 'HEAD') return void res.end();
        if (body) return void res.end(body);
        const file = fs.createReadStream(bundle.files.identity);
        file.on('error', (err) => {
          ctx.log.error('web chat bundle unreadable', { err });
          res.destroy();
        });
        file.pipe(res);
      });

      // Lotse's own session endpoint: a new conversation, or the same one again for a returning person.
      app.options('/webchat/session', dl.cors());
      app.post('/webchat/session', dl.cors(), express.json({ limit: 4096, reviver: wellFormedReviver }), async (req, res) => {
        try {
          const now = ctx.clock.now();
          const resume = typeof req.body?.resume === 'string' ? req.body.resume : undefined;
          if (resume) {
            const v = dl.signer.verify(resume, 'resume', now);
            const conv = v.ok ? await dl.store.getConversation(v.claims.c) : undefined;
            if (v.ok && conv && conv.userId === v.claims.u && conv.expiresAt > now) {
              await dl.store.touch(conv.id, now, now + dl.conversationTtlMs);
              res.setHeader('Cache-Control', 'no-store');
              return void res.json({ ...dl.tokenFor(conv), resume: dl.resumeFor(conv), userId: conv.userId, resumed: true });
            }
          }
          const { n, resetAt } = await dl.rates.hit(addressKey(ctx.secret, req.ip ?? '?'), 60_000, now);
          if (n > dl.limits.perAddressPerMinute) {
            res.setHeader('Retry-After', String(Math.max(1, Math.ceil((resetAt - now) / 1000))));
            return void res
              .status(429)
              .json({ error: { code: 'TooManyRequests', message: 'too many new conversations from this address; try again in a minute' } });
          }
          const conv = await dl.newConversation(req);
          res.setHeader('Cache-Control', 'no-store');
          res.json({ ...dl.tokenFor(conv), resume: dl.resumeFor(conv), userId: conv.userId, resumed: false });
        } catch (err) {
          ctx.log.error('web chat session failed', { err });
          res.status(500).json({ error: { code: 'ServiceError', message: 'internal error' } });
        }
      });

      const sweepNow = async () => {
        try {
          const now = ctx.clock.now();
          await dl.store.expire(now);
          await dl.rates.sweep(now);
        } catch (err) {
          ctx.log.warn('web chat expiry failed', { err });
        }
      };
      await sweepNow();
      sweep = setInterval(sweepNow, SWEEP_MS);
      sweep.unref();
    },
    started(server: http.Server, ctx: AppContext) {
      plugin.directLine?.attach(server);
      // After every plugin mounted (the handoff hooks are in place): what the last process
      // acknowledged but did not finish is answered now.
      void plugin.directLine?.recover().catch((err: unknown) => ctx.log.error('web chat: recovery of unfinished messages failed', { err }));
      // Several instances: one of them answers what a dead one acknowledged (one instance does at its next start).
      const dl = plugin.directLine;
      if (dl && ctx.cluster.kind !== 'memory') {
        let timer: NodeJS.Timeout | undefined;
        const adopt = () =>
          void dl
            .adoptOrphans(ORPHAN_AGE_MS)
            .then((n) => n && ctx.log.info('web chat: messages of an instance that stopped are being answered', { n }))
            .catch((err: unknown) => ctx.log.warn('web chat: adopting unfinished messages failed', { err }));
        stopAdopting = ctx.cluster.leadership.elect('webchat-orphans', {
          gained: () => {
            timer = setInterval(adopt, ORPHAN_SWEEP_MS);
            timer.unref();
          },
          lost: () => clearInterval(timer),
        });
      }
    },
    async close() {
      await stopAdopting?.();
      if (sweep) clearInterval(sweep);
      await plugin.directLine?.close();
    },
  };
  return plugin;
}
