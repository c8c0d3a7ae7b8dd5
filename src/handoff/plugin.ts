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
import type { Handoffs } from '../store/handoffs.js';
import type { Staff, StaffAccounts } from '../store/staff.js';
import { randomIds, type IdGen } from '../util/clock.js';
import type { AppContext, Plugin } from '../server/plugin-api.js';
import { HttpError, refused } from '../util/http-error.js';
import { wellFormedReviver } from '../util/text.js';
import { limiter } from '../server/rate-limit.js';
import { mountCocreationRoutes } from '../cocreation/routes.js';
import { editorJson, mountEditorRoutes } from '../content/editor/routes.js';
import { EditorService } from '../content/editor/service.js';
import { mountPodcastUploadRoutes } from '../podcasts/upload-routes.js';
import { doesCasework, ROLES, type Role } from '../store/staff.js';
import { mountAdminRoutes } from './admin-routes.js';
import { mountEditorPage } from './editor-routes.js';
import { StaffAuth } from './auth.js';
import { ConsoleViews } from './console-view.js';
import { LocalHandoffEvents, type ConsoleEvent } from './events.js';
import { parseOfficeHours } from './office-hours.js';
import { HandoffService } from './service.js';
import { SnippetService } from './snippets.js';
import { readableMessages } from './transcript.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const COOKIE = 'lotse_staff';

export interface HandoffRuntime {
  service: HandoffService;
  auth: StaffAuth;
  hs: Handoffs;
  staff: StaffAccounts;
  /** The content editor behind /console/api/editor (also the DraftEdits of the co-creation dashboard). */
  editor?: EditorService;
  /** The console's router (mounted at /console): the route x role matrix test lists its routes from it. */
  router: express.Router;
  /** Open event streams in this process (for tests: revocation must leave none of the account's). */
  openStreams(): { staffId: string; tokenHash: string }[];
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
  if (typeof b !== 'object' || Array.isArray(b)) throw refused(400, 'the body must be a JSON object');
  return b as Record<string, unknown>;
}

/** An optional text field: a string, or absent; anything else (a number, {"toString":1}) is refused with 400. */
function text(b: Record<string, unknown>, key: string): string | undefined {
  const v = Object.hasOwn(b, key) ? b[key] : undefined;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw refused(400, `"${key}" must be a string`);
  return v;
}

/** An optional list of strings: an array of strings, or a comma-separated string. */
function strings(b: Record<string, unknown>, key: string): string[] | undefined {
  const v = Object.hasOwn(b, key) ? b[key] : undefined;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw refused(400, `"${key}" must be a list of strings`);
}

export function handoffPlugin(opts: { ids?: IdGen; sweepMs?: number } = {}): Plugin & { runtime?: HandoffRuntime } {
  let timer: NodeJS.Timeout | undefined;
  let stopSweeping: (() => Promise<void>) | undefined;
  let unsubscribers: (() => void)[] = [];
  /** Every open event stream with whose session it runs, so a revocation can close exactly those. */
  const streams = new Map<express.Response, { staffId: string; tokenHash: string }>();
  const plugin: Plugin & { runtime?: HandoffRuntime } = {
    name: 'handoff',
    async mount(app, ctx: AppContext) {
      const hs = await ctx.store.handoffs();
      const accounts = await ctx.store.staffAccounts();
      const ids = opts.ids ?? randomIds;
      const events = new LocalHandoffEvents(ctx.cluster.bus);
      const service = new HandoffService({
        hs,
        staff: accounts,
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
      const auth = new StaffAuth(accounts, ctx.store, ids, () => ctx.clock.now(), ctx.secret, {
        sessionHours: ctx.config.STAFF_SESSION_HOURS,
        idleMinutes: ctx.config.STAFF_IDLE_MINUTES,
        audit: (staffId, action) => hs.audit(staffId, undefined, action, ctx.clock.now()),
      });
      const router = express.Router();
      plugin.runtime = { service, auth, hs, staff: accounts, router, openStreams: () => [...streams.values()] };
      // Revocation closes the streams at once: nothing more reaches a signed-out or deactivated account.
      auth.onRevoke((r) => {
        for (const [res, s] of streams)
          if ((r.staffId !== undefined && s.staffId === r.staffId) || (r.tokenHash !== undefined && s.tokenHash === r.tokenHash)) {
            streams.delete(res);
            res.end();
          }
      });
      const views = new ConsoleViews({ hs, staff: accounts, content: ctx.content, secret: ctx.secret });
      const snippets = new SnippetService(await ctx.store.snippets(), ids, () => ctx.clock.now());
      /** The caseworker's reading language for titles and previews: asked for, else English if they read it, else their first served one. */
      const uiLang = (req: express.Request, staff: Staff) => {
        const c = ctx.content.current();
        const asked = typeof req.query.ui === 'string' ? c.resolveLanguage(req.query.ui) : undefined;
        if (asked) return asked;
        if (staff.languages.includes('en')) return 'en';
        return staff.languages.map((l) => c.resolveLanguage(l)).find(Boolean) ?? c.defaultLang;
      };
      ctx.bot.addHooks({
        intercept: (ref, session, event, turn) => service.onPersonEvent(ref, session, event, turn),
        effect: async (ref, session, e) => ({ messages: await service.onEffect(ref, session, e) }),
        env: (_ref, now) => ({ officeOpen: service.isOpenAt(now) }),
        after: (_ref, session, reply) => service.decorate(session, reply),
        typing: (ref) => void service.personTyping(ref).catch((err) => ctx.log.warn('typing notice failed', { err })),
      });

      const secure = ctx.config.publicUrl.startsWith('https://');
      const consoleJson = express.json({ limit: '32kb', reviver: wellFormedReviver });
      // The editor sends whole files; everything else stays within the console's 32 kB.
      router.use((req, res, next) => (req.path.startsWith('/api/editor/') ? editorJson : consoleJson)(req, res, next));
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
        res.setHeader(
          'Content-Security-Policy',
          "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'none'",
        );
        res.type('html').send(page);
      });
      router.get('/console.js', (_req, res) => res.type('application/javascript').send(script));

      type Authed = express.Request & { staff?: Staff; csrf?: string; tokenHash?: string };
      const who = (req: Authed) => auth.resolve(sessionToken(req), { touch: true });
      /** Where an account with a reset password may still go: choose a new one, see who it is, sign out. */
      const beforePasswordChange = new Set(['/api/me', '/api/password', '/api/logout']);
      const requireStaff: express.RequestHandler = async (req, res, next) => {
        let r: Awaited<ReturnType<typeof who>>;
        try {
          r = await who(req as Authed);
        } catch (err) {
          ctx.log.error('console sign-in check failed', { err, path: req.path });
          return void res.status(500).json({ error: { code: 'ServerError', message: 'internal error' } });
        }
        if (!r) return void res.status(401).json({ error: { code: 'Unauthorized', message: 'please sign in' } });
        (req as Authed).staff = r.staff;
        (req as Authed).csrf = r.csrf;
        (req as Authed).tokenHash = r.tokenHash;
        if (req.method !== 'GET' && req.get('x-csrf-token') !== r.csrf)
          return void res.status(403).json({ error: { code: 'Forbidden', message: 'missing or wrong CSRF token' } });
        if (r.staff.mustChangePassword && !beforePasswordChange.has(req.path))
          return void res
            .status(403)
            .json({ error: { code: 'PasswordChangeRequired', message: 'your password was reset: choose a new one first (POST /console/api/password)' } });
        next();
      };
      /** People's conversations are for caseworkers and admins: editors and translators never see them (issue 16). */
      const requireCasework: express.RequestHandler = (req, res, next) => {
        if (!doesCasework((req as Authed).staff!.role))
          return void res.status(403).json({ error: { code: 'Forbidden', message: 'conversations are for caseworkers and admins' } });
        next();
      };
      const requireAdmin: express.RequestHandler = (req, res, next) => {
        if ((req as Authed).staff?.role !== 'admin') return void res.status(403).json({ error: { code: 'Forbidden', message: 'admins only' } });
        next();
      };
      const staffView = (s: Staff) => ({
        id: s.id,
        email: s.email,
        name: s.name,
        role: s.role,
        languages: s.languages,
        topics: s.topics,
        active: s.active,
        mustChangePassword: s.mustChangePassword,
      });
      const setSessionCookie = (res: express.Response, token: string) =>
        res.cookie(COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path: '/console', maxAge: auth.sessionMaxAgeMs });
      const wrap =
        (fn: (req: Authed, res: express.Response) => Promise<unknown> | unknown): express.RequestHandler =>
        async (req, res) => {
          try {
            const out = await fn(req as Authed, res);
            if (!res.headersSent) res.json(out ?? { ok: true });
          } catch (err) {
            if (err instanceof HttpError) {
              for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
              res.status(err.status).json({ error: { ...err.extra, code: err.code, message: err.message } });
            } else {
              ctx.log.error('console request failed', { err, path: req.path });
              res.status(500).json({ error: { code: 'ServerError', message: 'internal error' } });
            }
          }
        };

      // Layer 1 of the sign-in limits (auth.ts): failed requests per address over all accounts, in the shared counters.
      const perAddress = limiter({
        counters: ctx.store.rateCounters(),
        prefix: 'staff-login-ip:',
        now: () => ctx.clock.now(),
        secret: ctx.secret,
        windowMs: 15 * 60_000,
        limit: ctx.config.STAFF_LOGIN_FAILURES_PER_ADDRESS,
        skipSuccessfulRequests: true,
        message: 'too many failed sign-ins from this address; wait 15 minutes',
        onLimited: (req) => {
          const info = (req as express.Request & { rateLimit?: { used: number; limit: number } }).rateLimit;
          // Once per lock-out, not per refused request: the audit log must stay readable under attack.
          if (info && info.used === info.limit + 1)
            void hs
              .audit(undefined, undefined, `sign-in-locked scope=address addr=${auth.addressTag(req.ip ?? 'unknown')}`, ctx.clock.now())
              .catch((err: unknown) => ctx.log.warn('audit failed', { err }));
        },
      });
      router.post(
        '/api/login',
        perAddress,
        wrap(async (req, res) => {
          if (!req.is('application/json')) throw refused(415, 'send JSON');
          const { email, password } = bodyOf(req);
          if (typeof email !== 'string' || typeof password !== 'string') throw refused(400, 'e-mail and password are needed');
          const r = await auth.signIn(email, password, req.ip ?? 'unknown');
          setSessionCookie(res, r.token);
          return { staff: staffView(r.staff), csrf: r.csrf, mustChangePassword: r.staff.mustChangePassword };
        }),
      );
      router.post(
        '/api/password',
        perAddress,
        requireStaff,
        wrap(async (req, res) => {
          const b = bodyOf(req);
          const current = text(b, 'current');
          const next = text(b, 'next');
          if (current === undefined || next === undefined) throw refused(400, 'send "current" (your password now) and "next" (the new one)');
          const r = await auth.changePassword(req.staff!, current, next, req.ip ?? 'unknown');
          setSessionCookie(res, r.token);
          return { staff: staffView(r.staff), csrf: r.csrf };
        }),
      );
      router.post(
        '/api/logout',
        requireStaff,
        wrap(async (req, res) => {
          const token = sessionToken(req);
          if (token) await auth.signOut(token);
          res.clearCookie(COOKIE, { path: '/console' });
        }),
      );
      router.get(
        '/api/me',
        requireStaff,
        wrap((req) => {
          const c = ctx.content.current();
          return {
            staff: staffView(req.staff!),
            csrf: req.csrf,
            languages: c.pack.languages.map((l) => ({ code: l.code, name: l.name, englishName: l.englishName, dir: l.dir })),
          };
        }),
      );
      router.get(
        '/api/queue',
        requireStaff,
        requireCasework,
        wrap(async (req) => ({
          queue: await views.decorate(await service.queue(req.staff!), uiLang(req, req.staff!)),
          typicalWaitMinutes: await service.typicalWaitMinutes(),
        })),
      );
      router.get(
        '/api/handoffs/:id',
        requireStaff,
        requireCasework,
        wrap(async (req) => {
          const o = await service.open(req.staff!, String(req.params.id));
          const ui = uiLang(req, req.staff!);
          const [handoff] = await views.decorate([o.handoff], ui, o.messages);
          return { handoff, messages: readableMessages(ctx.content.current(), o.handoff.lang, ui, o.messages) };
        }),
      );
      router.post(
        '/api/handoffs/:id/take',
        requireStaff,
        requireCasework,
        wrap((req) => service.take(req.staff!, String(req.params.id))),
      );
      router.post(
        '/api/handoffs/:id/messages',
        requireStaff,
        requireCasework,
        wrap((req) => {
          const b = bodyOf(req);
          return service.send(req.staff!, String(req.params.id), { text: text(b, 'text'), topic: text(b, 'topic') });
        }),
      );
      router.post(
        '/api/handoffs/:id/page',
        requireStaff,
        requireCasework,
        wrap((req) => service.page(req.staff!, String(req.params.id))),
      );
      router.post(
        '/api/handoffs/:id/read',
        requireStaff,
        requireCasework,
        wrap(async (req) => {
          await service.markRead(req.staff!, String(req.params.id));
          return { ok: true };
        }),
      );
      router.post(
        '/api/handoffs/:id/typing',
        requireStaff,
        requireCasework,
        wrap(async (req) => {
          await service.caseworkerTyping(req.staff!, String(req.params.id));
          return { ok: true };
        }),
      );
      router.post(
        '/api/handoffs/:id/notes',
        requireStaff,
        requireCasework,
        wrap((req) => service.note(req.staff!, String(req.params.id), text(bodyOf(req), 'text') ?? '')),
      );
      router.post(
        '/api/handoffs/:id/transfer',
        requireStaff,
        requireCasework,
        wrap((req) => service.transfer(req.staff!, String(req.params.id), text(bodyOf(req), 'to') ?? '')),
      );
      router.post(
        '/api/handoffs/:id/close',
        requireStaff,
        requireCasework,
        wrap((req) => {
          const b = bodyOf(req);
          const outcome = b.outcome;
          if (outcome !== 'answered' && outcome !== 'referred' && outcome !== 'no-response') throw refused(400, 'outcome is answered, referred or no-response');
          const svc = text(b, 'service');
          return service.close(req.staff!, String(req.params.id), outcome, text(b, 'note'), svc || undefined);
        }),
      );
      router.get(
        '/api/answers',
        requireStaff,
        requireCasework,
        wrap((req) => {
          const c = ctx.content.current();
          const lang = String(req.query.lang ?? 'en');
          const ui = uiLang(req, req.staff!);
          const inUi = c.pack.topicTexts[ui] ?? {};
          return {
            ui,
            answers: Object.keys(c.pack.topics)
              .filter((id) => !c.pack.topics[id]!.action && c.pack.topicTexts[lang]?.[id])
              .map((id) => ({
                topic: id,
                title: c.pack.topicTexts[ui]?.[id]?.title ?? id,
                titleInLanguage: c.pack.topicTexts[lang]![id]!.title,
                preview: c.pack.topicTexts[lang]![id]!.answer[0],
                // The whole answer as it would be sent, and in the caseworker's language, to read before sending.
                answer: c.pack.topicTexts[lang]![id]!.answer.join('\n\n'),
                ...(inUi[id] ? { answerUi: inUi[id]!.answer.join('\n\n') } : {}),
              })),
            services: Object.values(c.pack.services).map((s) => ({ id: s.id, name: s.name, example: s.example })),
          };
        }),
      );
      router.get(
        '/api/snippets',
        requireStaff,
        requireCasework,
        wrap(async (req) => ({ snippets: await snippets.list(req.staff!) })),
      );
      router.post(
        '/api/snippets',
        requireStaff,
        requireCasework,
        wrap((req) => {
          const b = bodyOf(req);
          if (b.shared !== undefined && typeof b.shared !== 'boolean') throw refused(400, '"shared" must be true or false');
          return snippets.add(req.staff!, { title: text(b, 'title'), text: text(b, 'text'), shared: b.shared === true });
        }),
      );
      router.delete(
        '/api/snippets/:id',
        requireStaff,
        requireCasework,
        wrap(async (req) => {
          await snippets.remove(req.staff!, String(req.params.id));
        }),
      );
      router.get(
        '/api/colleagues',
        requireStaff,
        requireCasework,
        wrap(async () => ({
          staff: (await accounts.allStaff()).filter((s) => s.active && doesCasework(s.role)).map((s) => ({ id: s.id, name: s.name, languages: s.languages })),
        })),
      );
      router.get(
        '/api/staff',
        requireStaff,
        requireAdmin,
        wrap(async () => ({ staff: (await accounts.allStaff()).map(staffView) })),
      );
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
            role: ROLES.includes(b.role as Role) ? (b.role as Role) : 'caseworker',
            languages: strings(b, 'languages') ?? [],
            topics: strings(b, 'topics') ?? [],
          });
          await hs.audit(req.staff!.id, undefined, `staff-create:${s.id}`, ctx.clock.now());
          return staffView(s);
        }),
      );
      router.post(
        '/api/staff/:id/password',
        requireStaff,
        requireAdmin,
        wrap(async (req) => {
          const id = String(req.params.id);
          if (id === req.staff!.id) throw refused(400, 'change your own password with POST /console/api/password');
          const given = text(bodyOf(req), 'password');
          const password = await auth.resetPassword(id, { staffId: req.staff!.id, via: 'console' }, given || undefined);
          // A password the admin chose is theirs already; a generated one is shown once, here.
          return { staff: staffView((await accounts.staffById(id))!), ...(given ? {} : { temporaryPassword: password }) };
        }),
      );
      router.patch(
        '/api/staff/:id',
        requireStaff,
        requireAdmin,
        wrap(async (req) => {
          const b = bodyOf(req);
          const id = String(req.params.id);
          const languages = Array.isArray(b.languages) ? strings(b, 'languages') : undefined;
          const topics = Array.isArray(b.topics) ? strings(b, 'topics') : undefined;
          const role = ROLES.includes(b.role as Role) ? (b.role as Role) : undefined;
          if (languages === undefined && topics === undefined && typeof b.active !== 'boolean' && role === undefined)
            throw refused(400, `send at least one of languages (a list), topics (a list), active (true or false), role (${ROLES.join(', ')})`);
          const after = await auth.updateStaff(req.staff!, id, {
            ...(languages ? { languages } : {}),
            ...(topics ? { topics } : {}),
            ...(typeof b.active === 'boolean' ? { active: b.active } : {}),
            ...(role ? { role } : {}),
          });
          return staffView(after);
        }),
      );
      router.get(
        '/api/stats',
        requireStaff,
        requireAdmin,
        wrap(async () => ({ outcomes: await hs.stats(), ratings: await service.ratings() })),
      );
      router.get(
        '/api/audit',
        requireStaff,
        requireAdmin,
        wrap(async (req) => ({ audit: await hs.auditLog(typeof req.query.handoff === 'string' ? req.query.handoff : undefined) })),
      );

      mountAdminRoutes(router, { rt: plugin.runtime, ctx, requireStaff, requireAdmin, wrap });
      // The content editor (issue 16): its own roles, checked by the service.
      const editor = new EditorService({
        versions: await ctx.store.contentVersions(),
        content: ctx.content,
        root: ctx.config.contentRoot,
        now: () => ctx.clock.now(),
        log: ctx.log.child({ module: 'editor' }),
      });
      plugin.runtime.editor = editor;
      mountEditorRoutes(router, { editor, requireStaff, wrap });
      // The co-creation dashboard and podcast drafts are content work: editors and admins.
      const requireEditor: express.RequestHandler = (req, res, next) => {
        const role = (req as Authed).staff?.role;
        if (role !== 'admin' && role !== 'editor') return void res.status(403).json({ error: { code: 'Forbidden', message: 'for editors and admins' } });
        next();
      };
      mountCocreationRoutes(router, { ctx, hs, requireStaff, requireEditor, wrap, drafts: editor });
      mountPodcastUploadRoutes(router, { ctx, requireStaff, requireEditor, wrap, editor });
      mountEditorPage(router, { ctx, editor, requireStaff, wrap });

      /**
       * Live events (Server-Sent Events). On (re)connect the browser sends
       * Last-Event-ID; everything stored since then for the handoffs this
       * person may see is replayed before live events, so a restart or a
       * dropped connection loses nothing.
       */
      router.get('/api/events', requireStaff, requireCasework, (req, res) => {
        const staff = (req as Authed).staff!;
        const token = sessionToken(req);
        const session = { staffId: staff.id, tokenHash: (req as Authed).tokenHash! };
        // Before every event and every ping: is the session still good? A revocation in this
        // process closes the stream at once (onRevoke above); one on another instance (or by the
        // CLI) is caught here, before anything else is written, and the idle timeout too.
        const valid = async () => {
          const r = await auth.resolve(token);
          if (r && r.staff.id === staff.id && !r.staff.mustChangePassword && r.staff.role === staff.role) return true;
          streams.delete(res);
          res.end();
          return false;
        };
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
        const visible = async (handoffId: string) => {
          const h = await hs.getHandoff(handoffId);
          return h !== undefined && service.canOpen(staff, h);
        };
        const send = (e: ConsoleEvent, id?: number) => res.write(`${id !== undefined ? `id: ${id}\n` : ''}data: ${JSON.stringify(e)}\n\n`);
        // Everything goes out through one chain, in order: the replay first, then live events, which
        // queue from the start so that none is lost in between (the console ignores a message it has).
        let chain: Promise<unknown> = Promise.resolve();
        const then = (fn: () => Promise<unknown>) => {
          chain = chain.then(fn).catch((err: unknown) => ctx.log.warn('console event stream failed', { err }));
        };
        const since = Number(req.get('last-event-id') ?? req.query.since ?? NaN);
        then(async () => {
          if (!(await valid())) return;
          if (Number.isFinite(since)) {
            for (const h of await hs.open())
              if (service.canOpen(staff, h)) for (const m of await hs.messages(h.id, since)) send({ type: 'message', handoffId: h.id, message: m }, m.seq);
          }
          res.write(`id: ${await hs.maxSeq()}\ndata: ${JSON.stringify({ type: 'queue' })}\n\n`);
        });
        const off = events.subscribe((e) =>
          then(async () => {
            if (res.writableEnded || !(await valid())) return;
            // A status change goes to every console: one that had the conversation open learns it was taken.
            if (e.type === 'queue' || e.type === 'status') return send(e);
            // A page goes to colleagues who speak the language (not back to whoever paged).
            if (e.type === 'paged') return e.by !== staff.id && staff.languages.includes(e.lang) && (await visible(e.handoffId)) ? send(e) : undefined;
            if (!(await visible(e.handoffId))) return;
            if (!res.writableEnded) send(e, e.type === 'message' || e.type === 'alert' ? e.message.seq : undefined);
          }),
        );
        const ping = setInterval(
          () =>
            then(async () => {
              if (!res.writableEnded && (await valid())) res.write(': ping\n\n');
            }),
          25_000,
        );
        unsubscribers.push(off);
        streams.set(res, session);
        res.on('close', () => {
          clearInterval(ping);
          off();
          streams.delete(res);
        });
      });

      app.use('/console', router);
    },
    started(_server, ctx) {
      const rt = plugin.runtime!;
      const run = () => {
        void rt.service.sweep().catch((err) => ctx.log.warn('handoff sweep failed', { err }));
        // Retention of staff sessions: past their absolute end, or idle longer than STAFF_IDLE_MINUTES.
        void rt.auth.sweepSessions().catch((err) => ctx.log.warn('staff session sweep failed', { err }));
      };
      // On one instance at a time (the elected one; with one instance, this one): two sweeps at once
      // could both tell a waiting person nobody took their request, or both retry one delivery.
      stopSweeping = ctx.cluster.leadership.elect('handoff-sweep', {
        gained: () => {
          run(); // after a restart or a takeover: retry anything left undelivered
          timer = setInterval(run, opts.sweepMs ?? 30_000);
          timer.unref();
        },
        lost: () => clearInterval(timer),
      });
    },
    async close() {
      await stopSweeping?.();
      clearInterval(timer);
      for (const u of unsubscribers) u();
      unsubscribers = [];
      // Open event streams would hold the server open; browsers reconnect and catch up.
      for (const r of streams.keys()) r.end();
      streams.clear();
    },
  };
  return plugin;
}
