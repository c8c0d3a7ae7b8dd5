/**
 * The handoff plugin: hooks the service into the bot runtime, runs the
 * sweep, and serves the caseworker console under /console (signed-in staff
 * only: session cookie, CSRF header on every change, rate-limited sign-in).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCookie } from 'cookie';
import express from 'express';
import { SqliteStore } from '../store/sqlite.js';
import { randomIds, type IdGen } from '../util/clock.js';
import type { AppContext, Plugin } from '../server/plugin.js';
import { wellFormedReviver } from '../util/text.js';
import { AuthError, SESSION_HOURS, StaffAuth } from './auth.js';
import { LocalHandoffEvents, type ConsoleEvent } from './events.js';
import { parseOfficeHours } from './office-hours.js';
import { HandoffError, HandoffService } from './service.js';
import { HandoffStore, handoffMigrations, type Staff } from './store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const COOKIE = 'lotse_staff';

export interface HandoffRuntime {
  service: HandoffService;
  auth: StaffAuth;
  hs: HandoffStore;
}

/** Opens the handoff tables on the core SQLite store (one file for everything). */
export function handoffStoreFor(store: AppContext['store']): HandoffStore {
  if (!(store instanceof SqliteStore)) throw new Error('the handoff module needs the SQLite store');
  store.migrateWith(handoffMigrations);
  return new HandoffStore(store.db);
}

/** The session cookie, parsed by `cookie` (a bad percent-escape stays as it is and simply matches no session). */
function sessionToken(req: express.Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const v = parseCookie(header)[COOKIE];
  return v && v.length <= 256 ? v : undefined;
}

/** A JSON body as a plain record (an empty one when there is none); arrays and scalars are refused with 400. */
function bodyOf(req: express.Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new HandoffError(400, 'the body must be a JSON object');
  return b as Record<string, unknown>;
}

/** An optional text field: a string, or absent; anything else (a number, {"toString":1}) is refused with 400. */
function text(b: Record<string, unknown>, key: string): string | undefined {
  const v = Object.hasOwn(b, key) ? b[key] : undefined;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HandoffError(400, `"${key}" must be a string`);
  return v;
}

/** An optional list of strings: an array of strings, or a comma-separated string. */
function strings(b: Record<string, unknown>, key: string): string[] | undefined {
  const v = Object.hasOwn(b, key) ? b[key] : undefined;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new HandoffError(400, `"${key}" must be a list of strings`);
}

export function handoffPlugin(opts: { ids?: IdGen; sweepMs?: number } = {}): Plugin & { runtime?: HandoffRuntime } {
  let timer: NodeJS.Timeout | undefined;
  let unsubscribers: (() => void)[] = [];
  const streams = new Set<express.Response>();
  const plugin: Plugin & { runtime?: HandoffRuntime } = {
    name: 'handoff',
    mount(app, ctx: AppContext) {
      const hs = handoffStoreFor(ctx.store);
      const ids = opts.ids ?? randomIds;
      const events = new LocalHandoffEvents();
      const service = new HandoffService({
        hs,
        bot: ctx.bot,
        content: ctx.content,
        clock: ctx.clock,
        ids,
        log: ctx.log.child({ module: 'handoff' }),
        events,
        officeHours: parseOfficeHours(ctx.config.OFFICE_HOURS, ctx.config.TIMEZONE),
        unansweredMinutes: ctx.config.HANDOFF_UNANSWERED_MINUTES,
        retentionDays: ctx.config.TRANSCRIPT_RETENTION_DAYS,
      });
      const auth = new StaffAuth(hs, ctx.store, ids, () => ctx.clock.now());
      plugin.runtime = { service, auth, hs };
      ctx.bot.addHooks({
        intercept: (ref, session, event) => service.onPersonEvent(ref, session, event),
        effect: async (ref, session, e) => ({ messages: await service.onEffect(ref, session, e) }),
        env: (_ref, now) => ({ officeOpen: service.isOpenAt(now) }),
      });

      const secure = ctx.config.publicUrl.startsWith('https://');
      const router = express.Router();
      router.use(express.json({ limit: '32kb', reviver: wellFormedReviver }));
      // Staff pages are never cached and never framed.
      router.use((_req, res, next) => {
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('X-Frame-Options', 'DENY');
        res.setHeader('Referrer-Policy', 'no-referrer');
        next();
      });

      const page = fs.readFileSync(path.join(here, 'console', 'index.html'), 'utf8');
      const script = fs.readFileSync(path.join(here, 'console', 'console.js'), 'utf8');
      router.get('/', (_req, res) => {
        // Nothing from elsewhere: the page's script is /console/console.js, its one <style> is inline.
        res.setHeader('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'none'");
        res.type('html').send(page);
      });
      router.get('/console.js', (_req, res) => res.type('application/javascript').send(script));

      type Authed = express.Request & { staff?: Staff; csrf?: string };
      const who = (req: Authed) => auth.resolve(sessionToken(req));
      const requireStaff: express.RequestHandler = (req, res, next) => {
        const r = who(req as Authed);
        if (!r) return void res.status(401).json({ error: { code: 'Unauthorized', message: 'please sign in' } });
        (req as Authed).staff = r.staff;
        (req as Authed).csrf = r.csrf;
        if (req.method !== 'GET' && req.get('x-csrf-token') !== r.csrf) return void res.status(403).json({ error: { code: 'Forbidden', message: 'missing or wrong CSRF token' } });
        next();
      };
      const requireAdmin: express.RequestHandler = (req, res, next) => {
        if ((req as Authed).staff?.role !== 'admin') return void res.status(403).json({ error: { code: 'Forbidden', message: 'admins only' } });
        next();
      };
      const staffView = (s: Staff) => ({ id: s.id, email: s.email, name: s.name, role: s.role, languages: s.languages, topics: s.topics, active: s.active });
      const wrap =
        (fn: (req: Authed, res: express.Response) => Promise<unknown> | unknown): express.RequestHandler =>
        async (req, res) => {
          try {
            const out = await fn(req as Authed, res);
            if (!res.headersSent) res.json(out ?? { ok: true });
          } catch (err) {
            if (err instanceof HandoffError || err instanceof AuthError) res.status(err.status).json({ error: { code: 'Refused', message: err.message } });
            else {
              ctx.log.error('console request failed', { err, path: req.path });
              res.status(500).json({ error: { code: 'ServerError', message: 'internal error' } });
            }
          }
        };

      router.post(
        '/api/login',
        wrap(async (req, res) => {
          if (!req.is('application/json')) throw new AuthError(415, 'send JSON');
          const { email, password } = bodyOf(req);
          if (typeof email !== 'string' || typeof password !== 'string') throw new AuthError(400, 'e-mail and password are needed');
          const r = await auth.signIn(email, password, req.ip ?? 'unknown');
          res.cookie(COOKIE, r.token, { httpOnly: true, sameSite: 'strict', secure, path: '/console', maxAge: SESSION_HOURS * 3_600_000 });
          return { staff: staffView(r.staff), csrf: r.csrf };
        }),
      );
      router.post(
        '/api/logout',
        requireStaff,
        wrap((req, res) => {
          const token = sessionToken(req);
          if (token) auth.signOut(token);
          res.clearCookie(COOKIE, { path: '/console' });
        }),
      );
      router.get(
        '/api/me',
        requireStaff,
        wrap((req) => {
          const c = ctx.content.current();
          return { staff: staffView(req.staff!), csrf: req.csrf, languages: c.pack.languages.map((l) => ({ code: l.code, name: l.name, englishName: l.englishName, dir: l.dir })) };
        }),
      );
      router.get(
        '/api/queue',
        requireStaff,
        wrap((req) => ({ queue: service.queue(req.staff!), typicalWaitMinutes: service.typicalWaitMinutes() })),
      );
      router.get(
        '/api/handoffs/:id',
        requireStaff,
        wrap((req) => service.open(req.staff!, String(req.params.id))),
      );
      router.post(
        '/api/handoffs/:id/take',
        requireStaff,
        wrap((req) => service.take(req.staff!, String(req.params.id))),
      );
      router.post(
        '/api/handoffs/:id/messages',
        requireStaff,
        wrap((req) => {
          const b = bodyOf(req);
          return service.send(req.staff!, String(req.params.id), { text: text(b, 'text'), topic: text(b, 'topic') });
        }),
      );
      router.post(
        '/api/handoffs/:id/notes',
        requireStaff,
        wrap((req) => service.note(req.staff!, String(req.params.id), text(bodyOf(req), 'text') ?? '')),
      );
      router.post(
        '/api/handoffs/:id/transfer',
        requireStaff,
        wrap((req) => service.transfer(req.staff!, String(req.params.id), text(bodyOf(req), 'to') ?? '')),
      );
      router.post(
        '/api/handoffs/:id/close',
        requireStaff,
        wrap((req) => {
          const b = bodyOf(req);
          const outcome = b.outcome;
          if (outcome !== 'answered' && outcome !== 'referred' && outcome !== 'no-response') throw new HandoffError(400, 'outcome is answered, referred or no-response');
          const svc = text(b, 'service');
          return service.close(req.staff!, String(req.params.id), outcome, text(b, 'note'), svc || undefined);
        }),
      );
      router.get(
        '/api/answers',
        requireStaff,
        wrap((req) => {
          const c = ctx.content.current();
          const lang = String(req.query.lang ?? 'en');
          const ui = c.resolveLanguage(String(req.query.ui ?? 'en')) ?? c.defaultLang;
          return {
            answers: Object.keys(c.pack.topics)
              .filter((id) => !c.pack.topics[id]!.action && c.pack.topicTexts[lang]?.[id])
              .map((id) => ({ topic: id, title: c.pack.topicTexts[ui]?.[id]?.title ?? id, titleInLanguage: c.pack.topicTexts[lang]![id]!.title, preview: c.pack.topicTexts[lang]![id]!.answer[0] })),
            services: Object.values(c.pack.services).map((s) => ({ id: s.id, name: s.name, example: s.example })),
          };
        }),
      );
      router.get(
        '/api/colleagues',
        requireStaff,
        wrap(() => ({ staff: hs.allStaff().filter((s) => s.active).map((s) => ({ id: s.id, name: s.name, languages: s.languages })) })),
      );
      router.get('/api/staff', requireStaff, requireAdmin, wrap(() => ({ staff: hs.allStaff().map(staffView) })));
      router.post(
        '/api/staff',
        requireStaff,
        requireAdmin,
        wrap(async (req) => {
          const b = bodyOf(req);
          const s = await auth.createStaff({
            email: text(b, 'email') ?? '',
            name: text(b, 'name') ?? '',
            password: text(b, 'password') ?? '',
            role: b.role === 'admin' ? 'admin' : 'caseworker',
            languages: strings(b, 'languages') ?? [],
            topics: strings(b, 'topics') ?? [],
          });
          hs.audit(req.staff!.id, undefined, `staff-create:${s.id}`, ctx.clock.now());
          return staffView(s);
        }),
      );
      router.patch(
        '/api/staff/:id',
        requireStaff,
        requireAdmin,
        wrap((req) => {
          const b = bodyOf(req);
          const id = String(req.params.id);
          if (!hs.staffById(id)) throw new HandoffError(404, 'no such account');
          const languages = Array.isArray(b.languages) ? strings(b, 'languages') : undefined;
          const topics = Array.isArray(b.topics) ? strings(b, 'topics') : undefined;
          if (languages === undefined && topics === undefined && typeof b.active !== 'boolean' && b.role !== 'admin' && b.role !== 'caseworker')
            throw new HandoffError(400, 'send at least one of languages (a list), topics (a list), active (true or false), role (admin or caseworker)');
          hs.updateStaff(id, {
            ...(languages ? { languages } : {}),
            ...(topics ? { topics } : {}),
            ...(typeof b.active === 'boolean' ? { active: b.active } : {}),
            ...(b.role === 'admin' || b.role === 'caseworker' ? { role: b.role } : {}),
          });
          hs.audit(req.staff!.id, undefined, `staff-update:${id}`, ctx.clock.now());
          return staffView(hs.staffById(id)!);
        }),
      );
      router.get('/api/stats', requireStaff, requireAdmin, wrap(() => ({ outcomes: hs.stats() })));
      router.get('/api/audit', requireStaff, requireAdmin, wrap((req) => ({ audit: hs.auditLog(typeof req.query.handoff === 'string' ? req.query.handoff : undefined) })));

      /**
       * Live events (Server-Sent Events). On (re)connect the browser sends
       * Last-Event-ID; everything stored since then for the handoffs this
       * person may see is replayed before live events, so a restart or a
       * dropped connection loses nothing.
       */
      router.get('/api/events', requireStaff, (req, res) => {
        const staff = (req as Authed).staff!;
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
        const visible = (handoffId: string) => {
          const h = hs.getHandoff(handoffId);
          return h !== undefined && service.canOpen(staff, h);
        };
        const send = (e: ConsoleEvent, id?: number) => res.write(`${id !== undefined ? `id: ${id}\n` : ''}data: ${JSON.stringify(e)}\n\n`);
        const since = Number(req.get('last-event-id') ?? req.query.since ?? NaN);
        if (Number.isFinite(since)) {
          for (const h of hs.open()) if (service.canOpen(staff, h)) for (const m of hs.messages(h.id, since)) send({ type: 'message', handoffId: h.id, message: m }, m.seq);
        }
        res.write(`id: ${hs.maxSeq()}\ndata: ${JSON.stringify({ type: 'queue' })}\n\n`);
        const off = events.subscribe((e) => {
          if (e.type === 'queue') return send(e);
          if (!visible(e.handoffId)) return;
          send(e, e.type === 'message' || e.type === 'alert' ? e.message.seq : undefined);
        });
        const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
        unsubscribers.push(off);
        streams.add(res);
        req.on('close', () => {
          clearInterval(ping);
          off();
          streams.delete(res);
        });
      });

      app.use('/console', router);
    },
    started(_server, ctx) {
      const rt = plugin.runtime!;
      const run = () => void rt.service.sweep().catch((err) => ctx.log.warn('handoff sweep failed', { err }));
      run(); // after a restart: retry anything left undelivered
      timer = setInterval(run, opts.sweepMs ?? 30_000);
      timer.unref();
    },
    async close() {
      clearInterval(timer);
      for (const u of unsubscribers) u();
      unsubscribers = [];
      // Open event streams would hold the server open; browsers reconnect and catch up.
      for (const r of streams) r.end();
      streams.clear();
    },
  };
  return plugin;
}
