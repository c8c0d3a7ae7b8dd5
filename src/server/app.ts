/**
 * The express app: health endpoints, media, and whatever plugins mount.
 */
import express from 'express';
import type { AppContext, Plugin } from './plugin-api.js';
import { securityHeaders } from './security.js';

export function createApp(ctx: AppContext, plugins: Plugin[]): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // TRUST_PROXY (default off): only configured proxies may tell the client's address, so
  // X-Forwarded-For cannot buy a fresh rate limit, from loopback either.
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(securityHeaders(ctx.config));
  if (ctx.config.trustProxy === false) {
    let warned = false;
    app.use((req, _res, next) => {
      if (!warned && req.headers['x-forwarded-for']) {
        warned = true;
        ctx.log.warn(
          'requests carry X-Forwarded-For but TRUST_PROXY is off: behind a reverse proxy every visitor shares its address (and one rate limit); set TRUST_PROXY (SECURITY.md)',
          { peer: req.socket.remoteAddress },
        );
      }
      next();
    });
  }

  // Liveness: the process answers. Readiness: store and content are usable.
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, content: ctx.content.current().pack.version });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, boolean> = { store: await ctx.store.ping().catch(() => false) };
    // Several instances: without Redis this one would run turns unlocked and push to nobody.
    if (ctx.cluster.kind !== 'memory') checks.redis = await ctx.cluster.ready().catch(() => false);
    for (const p of plugins) {
      if (!p.ready) continue;
      // Only what is configured is reported; a plugin without its settings is not "ready", it is absent.
      const r = await p.ready().catch(() => false);
      if (r !== undefined) checks[p.name] = r;
    }
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
    res.status(status).json({
      error: {
        code: status === 413 ? 'TooLarge' : status >= 500 ? 'ServerError' : 'BadRequest',
        message: status >= 500 ? 'internal error' : String(err?.message ?? 'bad request'),
      },
    });
  };
}
