/**
 * The HTTP protocol of DESIGN §3 as a Hono app, meant to be mounted at `/mfa`.
 * Handlers only parse, call a service function and answer; all errors go through `errorResponse`.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { MfaError } from '../../core/errors.js';
import { MANAGE_SCOPE } from '../../core/types.js';
import type { Authenticate, MfaContext, SessionUser } from '../config.js';
import * as enrollment from '../enrollment.js';
import { checkStepUp } from '../guard/step-up-guard.js';
import { currentUser, endSession } from '../session.js';
import { recordUserAction } from '../audit/user-action.js';
import { limitAudit } from '../audit/audit-limits.js';
import { limitChallenges } from '../rate-limit.js';
import { resendChallengeCode, resumeChallenge, startChallenge, type RequestOrigin } from '../verification.js';
import { errorResponse } from './errors.js';
import { checkOrigin, limitBody, readJson } from './request.js';
import { runInRequestScope } from './request-scope.js';
import { mountPublicRoutes } from './discovery.js';
import { mountServerApi } from './server-api.js';
import { SESSION_ROUTES } from './routes.js';
import { auditSchema, confirmSchema, emptySchema, enrollSchema, renameSchema, resumeSchema, startChallengeSchema } from './schemas.js';

export type Env = { Variables: { sub: string; user: SessionUser }; Bindings: { incoming?: { socket?: { remoteAddress?: string } } } };

export function createMfaApp(ctx: MfaContext, authenticate: Authenticate): Hono<Env> {
  const app = new Hono<Env>();

  app.onError((err) => {
    if (!(err instanceof MfaError)) console.error('[mfa] unexpected error:', err instanceof Error ? err.name : typeof err);
    return errorResponse(err);
  });
  app.notFound(() => errorResponse(new MfaError('not_found', 'No such endpoint.')));

  app.use('*', async (c, next) => {
    await next();
    // Public documents (JWKS, discovery, OpenAPI) set their own caching; everything else is private.
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });

  /** The option's answer, else the socket address that @hono/node-server hands over in `env`. */
  const clientIp = (c: Context<Env>) => ctx.clientIp?.(c.req.raw) ?? c.env?.incoming?.socket?.remoteAddress;

  // Every request under the mount point, known or not: an oversized body is a 413 before anything else.
  app.use('*', limitBody());

  // No session needed: resource servers and other backends call these (discovery.ts, server-api.ts).
  mountPublicRoutes(app, ctx);
  mountServerApi(app, ctx, clientIp);

  // The browser protocol: Origin check, the app session, and the request scope (every
  // audit event written while handling the request carries its client IP: request-scope.ts).
  // Attached per route, not to `*`, so an unknown path is a 404 before any session check.
  const withSession: MiddlewareHandler<Env>[] = [
    checkOrigin(ctx.origins),
    async (c, next) => {
      const user = await currentUser(ctx, authenticate, c.req.raw);
      if (!user) throw new MfaError('unauthenticated', 'Sign in first.');
      c.set('sub', user.sub);
      c.set('user', user);
      await next();
    },
    (c, next) => runInRequestScope({ ip: clientIp(c) }, next),
  ];
  for (const [method, path] of SESSION_ROUTES) app.on(method, [path], ...withSession);

  /**
   * The request's Origin (checked above for state-changing requests): WebAuthn RP and WebOTP host;
   * and its client IP, so every path that sends a code counts it per IP.
   */
  const originOf = (c: Context<Env>): RequestOrigin => {
    const origin = c.req.header('origin') ?? new URL(c.req.url).origin;
    const ip = clientIp(c);
    try {
      return { origin, host: new URL(origin).hostname, ip };
    } catch {
      return { ip };
    }
  };

  /**
   * Adding a second factor, removing one and regenerating codes need a step-up for mfa/manage.
   * Its token is reusable (for its short life, in its own session): adding a factor is two calls,
   * enroll then confirm, and the user approved "manage my factors", not one call.
   */
  const requireManage = async (c: Context<Env>): Promise<Response | null> => {
    const verdict = await checkStepUp(ctx, authenticate, c.req.raw, { ...MANAGE_SCOPE, reusable: true });
    return verdict.ok ? null : verdict.response;
  };

  app.get('/factors', async (c) => c.json(await enrollment.listFactors(ctx, c.get('sub'))));

  app.post('/factors', async (c) => {
    const input = await readJson(c, enrollSchema);
    const sub = c.get('sub');
    if (await enrollment.hasConfirmedFactor(ctx, sub)) {
      const refused = await requireManage(c);
      if (refused) return refused;
    }
    // Each phone/email enrollment sends a message: limited like challenges (SMS pumping).
    if (input.type === 'phone' || input.type === 'email') await limitChallenges(ctx, sub, clientIp(c));
    return c.json(await enrollment.enroll(ctx, sub, input, originOf(c)), 201);
  });

  app.post('/factors/:id/confirm', async (c) => {
    const input = await readJson(c, confirmSchema);
    if (await enrollment.confirmNeedsManage(ctx, c.get('sub'), c.req.param('id'), input)) {
      const refused = await requireManage(c);
      if (refused) return refused;
    }
    return c.json(await enrollment.confirmEnrollment(ctx, c.get('sub'), c.req.param('id'), input, originOf(c)));
  });

  app.post('/factors/:id/resend', async (c) => {
    await readJson(c, emptySchema);
    return c.json(await enrollment.resendEnrollmentCode(ctx, c.get('sub'), c.req.param('id'), originOf(c)));
  });

  app.patch('/factors/:id', async (c) => {
    const { label } = await readJson(c, renameSchema);
    return c.json({ factor: await enrollment.renameFactor(ctx, c.get('sub'), c.req.param('id'), label) });
  });

  app.delete('/factors/:id', async (c) => {
    await readJson(c, emptySchema);
    const sub = c.get('sub');
    const factor = await ctx.store.getFactor(sub, c.req.param('id'));
    if (factor?.confirmed) {
      const refused = await requireManage(c);
      if (refused) return refused;
    }
    await enrollment.removeFactor(ctx, sub, c.req.param('id'));
    return c.body(null, 204);
  });

  app.post('/recovery-codes', async (c) => {
    await readJson(c, emptySchema);
    const refused = await requireManage(c);
    if (refused) return refused;
    return c.json({ recoveryCodes: await enrollment.regenerateRecoveryCodes(ctx, c.get('sub')) }, 201);
  });

  app.post('/challenges', async (c) => {
    const input = await readJson(c, startChallengeSchema);
    await limitChallenges(ctx, c.get('sub'), clientIp(c));
    const answer = await startChallenge(ctx, c.get('user'), input, originOf(c));
    // 201 when a challenge was created; 200 when a fresh step-up answered at once.
    return c.json(answer, answer.status === 'CHALLENGED' ? 201 : 200);
  });

  app.post('/challenges/:id/resume', async (c) => {
    const { answers } = await readJson(c, resumeSchema);
    return c.json(await resumeChallenge(ctx, c.get('user'), c.req.param('id'), answers, originOf(c)));
  });

  // "Send a new code": a new code replaces the old one; the failure counter stays.
  app.post('/challenges/:id/resend', async (c) => {
    await readJson(c, emptySchema);
    return c.json(await resendChallengeCode(ctx, c.get('user'), c.req.param('id'), originOf(c)));
  });

  // clearMfa() / logout: this session's recent step-ups stop counting and its tokens stop working.
  app.delete('/session', async (c) => {
    await readJson(c, emptySchema);
    await endSession(ctx, c.get('user'));
    await ctx.audit.record({ type: 'session.cleared', sub: c.get('sub') });
    return c.body(null, 204);
  });

  // trackUserAction(): the app's own audit events, next to ours.
  app.post('/audit', async (c) => {
    const { webhookNotification, ...event } = await readJson(c, auditSchema);
    await limitAudit(ctx, c.get('sub'), clientIp(c)); // per user and per IP: 429 + Retry-After
    await recordUserAction(ctx, c.get('sub'), event, { webhookNotification });
    return c.body(null, 204);
  });

  // `notFound` above only applies when this app is served on its own: once mounted with
  // `app.route('/mfa', mfa.app)` Hono uses the parent's plain-text 404. This catch-all keeps
  // unknown paths and methods under the mount point answering `{error:{code,message}}`.
  app.all('*', () => errorResponse(new MfaError('not_found', 'No such endpoint.')));

  return app;
}
