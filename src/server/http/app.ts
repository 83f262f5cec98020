/**
 * The HTTP protocol (docs/server.md) as a Hono app, meant to be mounted at `/mfa`. Handlers only
 * parse, call a service function with the request's scope and answer; policy (which calls need a
 * step-up first, which are rate limited) lives in the services; all errors go through `errorResponse`.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { MfaError } from '../../core/errors.js';
import type { Authenticate, MfaContext } from '../config.js';
import * as enrollment from '../enrollment.js';
import { checkStepUp as checkRequestStepUp } from '../guard/step-up-guard.js';
import { currentUser, endSession } from '../session.js';
import { recordUserAction } from '../audit/user-action.js';
import { resendChallengeCode, resumeChallenge, startChallenge } from '../verification.js';
import { errorResponse } from './errors.js';
import { checkOrigin, limitBody, readJson } from './request.js';
import { contextFor, type RequestScope, type Scope } from '../request-scope.js';
import { mountPublicRoutes } from './discovery.js';
import { mountServerApi } from './server-api.js';
import { SESSION_ROUTES } from './routes.js';
import { auditSchema, confirmSchema, emptySchema, enrollSchema, renameSchema, resumeSchema, startChallengeSchema } from './schemas.js';

export type Env = { Variables: { sub: string; scope: Scope; ctx: MfaContext }; Bindings: { incoming?: { socket?: { remoteAddress?: string } } } };

export function createMfaApp(ctx: MfaContext, authenticate: Authenticate): Hono<Env> {
  const app = new Hono<Env>();

  app.onError((err) => {
    if (!(err instanceof MfaError)) console.error('[mfa] unexpected error:', err instanceof Error ? err.name : typeof err);
    return errorResponse(err);
  });
  app.notFound(() => errorResponse(new MfaError('not_found', 'No such endpoint.')));

  app.use('*', async (c, next) => {
    // Everything is private unless it says otherwise: public documents (JWKS, discovery, OpenAPI)
    // set their own caching, and every Response built outside `c.json`/`c.body` (errors.ts, the
    // guard, discovery.ts) sets its own. Set before the handler runs, not read back from `c.res`
    // after: reading a finished response's headers makes @hono/node-server build a second,
    // full web Response (docs/performance.md).
    c.header('cache-control', 'no-store');
    await next();
    // A store that groups writes commits them before the answer leaves (stores/store.ts `flush`).
    await ctx.store.flush?.();
  });

  /** The option's answer, else the socket address that @hono/node-server hands over in `env`. */
  const clientIp = (c: Context<Env>) => ctx.policy.clientIp?.(c.req.raw) ?? c.env?.incoming?.socket?.remoteAddress;

  // Every request under the mount point, known or not: an oversized body is a 413 before anything else.
  app.use('*', limitBody());

  // No session needed: resource servers and other backends call these (discovery.ts, server-api.ts).
  mountPublicRoutes(app, ctx);
  mountServerApi(app, ctx, clientIp);

  /** Where the request came from: its Origin (checked below for state-changing requests), host and client IP. */
  const whereFrom = (c: Context<Env>): RequestScope => {
    const origin = c.req.header('origin') ?? new URL(c.req.url).origin;
    const ip = clientIp(c);
    try {
      return { origin, host: new URL(origin).hostname, ip };
    } catch {
      return { ip };
    }
  };

  // The browser protocol: Origin check, the app session, and the request's scope, built once: who
  // (user and app session), from where, and how to check its step-up token. The handlers below
  // call the services with the request's context (`c.var.ctx`), so every audit event written
  // while handling it carries its client IP (request-scope.ts). Attached per route, not to `*`,
  // so an unknown path is a 404 before any session check.
  const withSession: MiddlewareHandler<Env>[] = [
    checkOrigin(ctx.policy.origins),
    async (c, next) => {
      const user = await currentUser(ctx, authenticate, c.req.raw);
      if (!user) throw new MfaError('unauthenticated', 'Sign in first.');
      const from = whereFrom(c);
      const requestCtx = contextFor(ctx, from);
      const checkStepUp: Scope['checkStepUp'] = async (req) => {
        const verdict = await checkRequestStepUp(requestCtx, authenticate, c.req.raw, req);
        return verdict.ok ? null : verdict.response;
      };
      c.set('sub', user.sub);
      c.set('scope', Object.freeze({ ...from, user, checkStepUp }));
      c.set('ctx', requestCtx);
      await next();
    },
  ];
  for (const [method, path] of SESSION_ROUTES) app.on(method, [path], ...withSession);

  app.get('/factors', async (c) => c.json(await enrollment.listFactors(c.var.ctx, c.get('sub'))));

  app.post('/factors', async (c) => {
    const input = await readJson(c, enrollSchema);
    return c.json(await enrollment.enroll(c.var.ctx, c.get('scope'), input), 201);
  });

  app.post('/factors/:id/confirm', async (c) => {
    const input = await readJson(c, confirmSchema);
    return c.json(await enrollment.confirmEnrollment(c.var.ctx, c.get('scope'), c.req.param('id'), input));
  });

  app.post('/factors/:id/resend', async (c) => {
    await readJson(c, emptySchema);
    return c.json(await enrollment.resendEnrollmentCode(c.var.ctx, c.get('scope'), c.req.param('id')));
  });

  app.patch('/factors/:id', async (c) => {
    const { label } = await readJson(c, renameSchema);
    return c.json({ factor: await enrollment.renameFactor(c.var.ctx, c.get('sub'), c.req.param('id'), label) });
  });

  app.delete('/factors/:id', async (c) => {
    await readJson(c, emptySchema);
    await enrollment.removeFactor(c.var.ctx, c.get('scope'), c.req.param('id'));
    return c.body(null, 204);
  });

  app.post('/recovery-codes', async (c) => {
    await readJson(c, emptySchema);
    return c.json({ recoveryCodes: await enrollment.regenerateRecoveryCodes(c.var.ctx, c.get('scope')) }, 201);
  });

  app.post('/challenges', async (c) => {
    const input = await readJson(c, startChallengeSchema);
    const answer = await startChallenge(c.var.ctx, c.get('scope'), input);
    // 201 when a challenge was created; 200 when a fresh step-up answered at once.
    return c.json(answer, answer.status === 'CHALLENGED' ? 201 : 200);
  });

  app.post('/challenges/:id/resume', async (c) => {
    const { answers } = await readJson(c, resumeSchema);
    return c.json(await resumeChallenge(c.var.ctx, c.get('scope'), c.req.param('id'), answers));
  });

  // "Send a new code": a new code replaces the old one; the failure counter stays.
  app.post('/challenges/:id/resend', async (c) => {
    await readJson(c, emptySchema);
    return c.json(await resendChallengeCode(c.var.ctx, c.get('scope'), c.req.param('id')));
  });

  // clearMfa() / logout: this session's recent step-ups stop counting and its tokens stop working.
  app.delete('/session', async (c) => {
    await readJson(c, emptySchema);
    await endSession(c.var.ctx, c.get('scope').user);
    await c.var.ctx.audit.record({ type: 'session.cleared', sub: c.get('sub') });
    return c.body(null, 204);
  });

  // trackUserAction(): the app's own audit events, next to ours.
  app.post('/audit', async (c) => {
    const { webhookNotification, ...event } = await readJson(c, auditSchema);
    await recordUserAction(c.var.ctx, c.get('sub'), event, { webhookNotification, ip: c.get('scope').ip });
    return c.body(null, 204);
  });

  // `notFound` above only applies when this app is served on its own: once mounted with
  // `app.route('/mfa', mfa.app)` Hono uses the parent's plain-text 404. This catch-all keeps
  // unknown paths and methods under the mount point answering `{error:{code,message}}`.
  app.all('*', () => errorResponse(new MfaError('not_found', 'No such endpoint.')));

  return app;
}
