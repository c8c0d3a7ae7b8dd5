/**
 * The admin's page of the console (/console/admin) and its API under
 * /console/api/admin: statistics (JSON and CSV), the audit log, closed
 * conversations within retention with a read-only transcript, and a
 * password reset. Mounted by the handoff plugin on its router, so it shares
 * the sign-in cookie, the CSRF check, the headers and the page's CSP; every
 * route here is for admins only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type express from 'express';
import type { AppContext } from '../server/plugin-api.js';
import type { Handoff, Outcome } from '../store/handoffs.js';
import type { Staff } from '../store/staff.js';
import { refused } from '../util/http-error.js';
import type { HandoffRuntime } from './plugin.js';
import { computeStats, dayIn, nextDay, startOfDayIn, statsCsv } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DAY = 86_400_000;
/** The longest range the statistics cover in one request (a year and a day, for leap years). */
const MAX_RANGE_DAYS = 366;
const PAGE = 50;
const OUTCOMES: readonly string[] = ['answered', 'referred', 'no-response', 'cancelled'] satisfies (Outcome | 'cancelled')[];
/** The page's CSP: the same as the console's (its own script only, one inline <style>). */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'none'";

type Authed = express.Request & { staff?: Staff; csrf?: string };
type Wrap = (fn: (req: Authed, res: express.Response) => Promise<unknown> | unknown) => express.RequestHandler;

/** What the admin routes need from the handoff plugin. */
export interface AdminDeps {
  rt: HandoffRuntime;
  ctx: AppContext;
  requireStaff: express.RequestHandler;
  requireAdmin: express.RequestHandler;
  wrap: Wrap;
}

/** A query parameter as one short string, or undefined (arrays and objects from `?a=1&a=2` are refused). */
export function param(req: express.Request, key: string, max = 200): string | undefined {
  const v = req.query[key];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw refused(400, `"${key}" must be given once`);
  if (v.length > max) throw refused(400, `"${key}" is too long`);
  return v.trim() || undefined;
}

/** A YYYY-MM-DD date that exists, or undefined. */
export function dateParam(req: express.Request, key: string): string | undefined {
  const v = param(req, key, 10);
  if (v === undefined) return undefined;
  // Month 13 does not parse at all; 30 February parses as 2 March, so the round trip must give the same day.
  const t = Date.parse(`${v}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== v)
    throw refused(400, `"${key}" must be a date like 2026-12-01`);
  return v;
}

function pageParam(req: express.Request): number {
  const v = param(req, 'page', 6);
  if (v === undefined) return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw refused(400, '"page" must be a whole number from 1');
  return n;
}

/** The short pseudonym shown for a person: the start of the conversation's pseudonymous id, never a channel's own id. */
const pseudonymOf = (h: Handoff) => h.ref.conversationId.slice(0, 12);

/** Mounts the admin page and API on the console's router (paths relative to /console). */
export function mountAdminRoutes(router: express.Router, d: AdminDeps): void {
  const { rt, ctx, requireStaff, requireAdmin, wrap } = d;
  const tz = ctx.config.TIMEZONE;
  const retentionDays = ctx.config.TRANSCRIPT_RETENTION_DAYS;
  const now = () => ctx.clock.now();
  const admin = [requireStaff, requireAdmin];

  const page = fs.readFileSync(path.join(here, 'console', 'admin.html'), 'utf8');
  const script = fs.readFileSync(path.join(here, 'console', 'admin.js'), 'utf8');
  // The page itself holds no data (it asks the API, which checks the role), so it is served like the console's.
  router.get('/admin', (_req, res) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.type('html').send(page);
  });
  router.get('/admin.js', (_req, res) => res.type('application/javascript').send(script));

  const names = async () => new Map((await rt.staff.allStaff()).map((s) => [s.id, s.name]));

  /** The day range of a statistics request: `from`..`to` (both included), by default the last 30 days. */
  function range(req: express.Request): { from: string; to: string } {
    const to = dateParam(req, 'to') ?? dayIn(now(), tz);
    const from = dateParam(req, 'from') ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY).toISOString().slice(0, 10);
    if (from > to) throw refused(400, '"from" must not be after "to"');
    if ((Date.parse(to) - Date.parse(from)) / DAY + 1 > MAX_RANGE_DAYS) throw refused(400, `at most ${MAX_RANGE_DAYS} days at a time`);
    return { from, to };
  }
  async function stats(req: express.Request) {
    const { from, to } = range(req);
    const hs = await rt.hs.createdBetween(startOfDayIn(from, tz), startOfDayIn(nextDay(to), tz));
    return computeStats(hs, { from, to, timeZone: tz, names: await names() });
  }

  router.get(
    '/api/admin/meta',
    ...admin,
    wrap(async () => {
      const c = ctx.content.current();
      const topics = Object.keys(c.pack.topics).sort();
      const flows = [...new Set(topics.map((t) => t.split('.')[0]!))].filter((f) => !topics.includes(f));
      return {
        timeZone: tz,
        retentionDays,
        languages: c.pack.languages.map((l) => ({ code: l.code, name: l.name, englishName: l.englishName })),
        topics: [...flows, ...topics].sort(),
        staff: (await rt.staff.allStaff()).map((s) => ({ id: s.id, name: s.name, active: s.active })),
      };
    }),
  );

  router.get('/api/admin/stats', ...admin, wrap(stats));
  router.get(
    '/api/admin/stats.csv',
    ...admin,
    wrap(async (req, res) => {
      const s = await stats(req);
      res.setHeader('Content-Disposition', `attachment; filename="lotse-handoff-stats-${s.from}-${s.to}.csv"`);
      res.type('text/csv; charset=utf-8').send(statsCsv(s));
    }),
  );

  router.get(
    '/api/admin/audit',
    ...admin,
    wrap(async (req) => {
      const p = pageParam(req);
      const r = await rt.hs.auditPage({ staffId: param(req, 'actor'), action: param(req, 'action'), limit: PAGE, offset: (p - 1) * PAGE });
      const n = await names();
      return {
        page: p,
        pageSize: PAGE,
        total: r.total,
        entries: r.entries.map((e) => {
          // "staff-update:stf_x", "transfer:stf_x", "password-reset:stf_x via=console": the account acted on, by name, so the admin need not look ids up.
          const target = /^(?:staff-[a-z-]+|transfer|password-reset|sessions-revoked):(\S+)/.exec(e.action)?.[1];
          return {
            ...e,
            staffName: e.staffId ? (n.get(e.staffId) ?? e.staffId) : undefined,
            targetName: target ? n.get(target) : undefined,
          };
        }),
      };
    }),
  );

  const keptSince = () => now() - retentionDays * DAY;
  router.get(
    '/api/admin/closed',
    ...admin,
    wrap(async (req) => {
      const p = pageParam(req);
      const outcome = param(req, 'outcome');
      if (outcome && !OUTCOMES.includes(outcome)) throw refused(400, `"outcome" is one of ${OUTCOMES.join(', ')}`);
      const from = dateParam(req, 'from');
      const to = dateParam(req, 'to');
      const r = await rt.hs.searchClosed(
        {
          pseudonym: param(req, 'q', 64),
          lang: param(req, 'lang', 16),
          topic: param(req, 'topic'),
          outcome,
          caseworkerId: param(req, 'caseworker'),
          from: from ? startOfDayIn(from, tz) : undefined,
          to: to ? startOfDayIn(nextDay(to), tz) : undefined,
          limit: PAGE,
          offset: (p - 1) * PAGE,
        },
        keptSince(),
      );
      const n = await names();
      return {
        page: p,
        pageSize: PAGE,
        total: r.total,
        retentionDays,
        items: r.items.map((h) => ({
          id: h.id,
          pseudonym: pseudonymOf(h),
          channel: h.ref.channel,
          lang: h.lang,
          topic: h.topic,
          reason: h.reason,
          status: h.status,
          outcome: h.outcome ?? h.status,
          outcomeService: h.outcomeService,
          caseworker: h.caseworkerId ? (n.get(h.caseworkerId) ?? h.caseworkerId) : undefined,
          createdAt: h.createdAt,
          closedAt: h.closedAt,
          rating: h.rating,
        })),
      };
    }),
  );
  router.get(
    '/api/admin/closed/:id',
    ...admin,
    wrap(async (req) => {
      const id = String(req.params.id);
      const h = await rt.hs.getHandoff(id);
      // Open conversations are read in the console; purged or expired ones have no transcript to show.
      if (!h || (h.status !== 'closed' && h.status !== 'cancelled') || h.transcriptPurged || (h.closedAt ?? 0) < keptSince())
        throw refused(404, 'no closed conversation with this id within retention');
      await rt.hs.audit(req.staff!.id, id, 'admin-view-transcript', now());
      const n = await names();
      return {
        handoff: {
          id: h.id,
          pseudonym: pseudonymOf(h),
          lang: h.lang,
          topic: h.topic,
          reason: h.reason,
          outcome: h.outcome ?? h.status,
          outcomeService: h.outcomeService,
          outcomeNote: h.outcomeNote,
          caseworker: h.caseworkerId ? (n.get(h.caseworkerId) ?? h.caseworkerId) : undefined,
          createdAt: h.createdAt,
          closedAt: h.closedAt,
          rating: h.rating,
        },
        messages: (await rt.hs.messages(id)).map((m) => ({
          seq: m.seq,
          author: m.author,
          kind: m.kind,
          text: m.text,
          at: m.at,
          staffName: m.staffId ? n.get(m.staffId) : undefined,
        })),
      };
    }),
  );
}
