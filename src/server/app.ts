/**
 * The express app: health endpoints, media, and whatever plugins mount.
 */
import express from 'express';
import type { AppContext, Plugin } from './plugin-api.js';

export function createApp(ctx: AppContext, plugins: Plugin[]): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  // Liveness: the process answers. Readiness: store and content are usable.
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, content: ctx.content.current().pack.version });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, boolean> = { store: await ctx.store.ping().catch(() => false) };
    for (const p of plugins) if (p.ready) checks[p.name] = await p.ready().catch(() => false);
    const ok = Object.values(checks).every(Boolean);
    res.status(ok ? 200 : 503).json({ ok, checks, content: ctx.content.current().pack.version });
  });
  return app;
}

/** Last in the chain: JSON errors, never a stack trace to the client. */
export function errorHandler(ctx: AppContext): express.ErrorRequestHandler {
  return (err, req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) ctx.log.error('request failed', { err, path: req.path });
    if (res.headersSent) return;
    res.status(status).json({ error: { code: status === 413 ? 'TooLarge' : status >= 500 ? 'ServerError' : 'BadRequest', message: status >= 500 ? 'internal error' : String(err?.message ?? 'bad request') } });
  };
}
