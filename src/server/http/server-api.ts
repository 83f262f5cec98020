/**
 * Server-to-server endpoints (docs/service.md): RFC 7662 introspection and the admin API. They
 * exist only when an admin token or introspection clients are configured, take no app session,
 * (the body limit of every /mfa request applies: app.ts), and answer like every other endpoint (`{error:{code,message}}` for bad input).
 */
import type { Context, Hono } from 'hono';
import { MfaError } from '../../core/errors.js';
import type { MfaContext } from '../config.js';
import { adminAudit, adminListFactors, adminReset, adminUnlock } from '../service/admin-ops.js';
import { introspect } from '../service/introspection.js';
import { rotateKeys, listKeys } from '../service/key-admin.js';
import { sessionClaim } from '../session.js';
import { readBody } from './request.js';
import { requireServerCaller, type ServerCaller } from './server-auth.js';
import { auditQuery, emptyAdminSchema, introspectSchema, rotateSchema, subParam } from './server-schemas.js';

export function mountServerApi(app: Hono<any>, ctx: MfaContext, clientIp: (c: Context) => string | undefined): void {
  const hasClients = !!ctx.policy.admin.clients && Object.keys(ctx.policy.admin.clients).length > 0;
  if (!ctx.policy.admin.token && !hasClients) return;

  app.post('/introspect', requireServerCaller(ctx, clientIp, true), async (c) => {
    const input = await readBody(c, introspectSchema, { form: true });
    const caller = (c as Context).get('caller' as never) as ServerCaller;
    const answer = await introspect(ctx, {
      token: input.token,
      consume: input.consume,
      sub: input.sub,
      ...(input.session_id !== undefined && { ssn: sessionClaim({ sub: '', sessionId: input.session_id }) }),
      resource: input.resource,
      action: input.action,
    }, caller.kind === 'client' ? caller.clientId : undefined);
    return c.json(answer);
  });

  if (!ctx.policy.admin.token) return;
  const admin = [requireServerCaller(ctx, clientIp, false)] as const;
  const sub = (c: Context) => {
    // Hono hands over the raw text when a segment is not valid percent-encoded UTF-8 ("%E0%A4%A"):
    // that would address the user literally named so. Refuse it instead.
    const raw = new URL(c.req.url).pathname.split('/').at(-2) ?? ''; // …/admin/users/:sub/<verb>
    try {
      decodeURIComponent(raw);
    } catch {
      throw new MfaError('malformed_request', 'sub: not valid percent-encoded UTF-8.');
    }
    const parsed = subParam.safeParse(c.req.param('sub'));
    if (!parsed.success) throw new MfaError('malformed_request', 'sub: 1 to 256 characters.');
    return parsed.data;
  };

  app.get('/admin/users/:sub/factors', ...admin, async (c) => c.json(await adminListFactors(ctx, sub(c))));
  app.post('/admin/users/:sub/reset', ...admin, async (c) => {
    await readBody(c, emptyAdminSchema);
    return c.json(await adminReset(ctx, sub(c)));
  });
  app.post('/admin/users/:sub/unlock', ...admin, async (c) => {
    await readBody(c, emptyAdminSchema);
    return c.json(await adminUnlock(ctx, sub(c)));
  });
  app.get('/admin/users/:sub/audit', ...admin, async (c) => {
    const parsed = auditQuery.safeParse(c.req.query());
    if (!parsed.success) throw new MfaError('malformed_request', `limit: ${parsed.error.issues[0]!.message}`);
    return c.json(await adminAudit(ctx, sub(c), parsed.data.limit));
  });
  app.get('/admin/keys', ...admin, async (c) => c.json(await listKeys(ctx)));
  app.post('/admin/keys/rotate', ...admin, async (c) => {
    const { immediate } = await readBody(c, rotateSchema);
    return c.json(await rotateKeys(ctx, { immediate: !!immediate }));
  });
}
