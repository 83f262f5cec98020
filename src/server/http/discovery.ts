/**
 * Public documents for other backends (docs/service.md): the JWKS, the discovery document and the
 * OpenAPI description. Cacheable (`public, max-age`, ETag with 304), because verifiers in any
 * language fetch them; key rotation publishes the next key well before it signs
 * (tokens/signing-keys.ts), so a cached JWKS never misses a key that is in use.
 */
import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { STEP_UP_HEADER, STEP_UP_TOKEN_TYPE } from '../../core/types.js';
import type { MfaContext } from '../config.js';
import { ACR_KBA, ACR_MFA, ACR_PHR } from '../acr.js';
import { ED25519_ALGS } from '../tokens/signing-keys.js';
import { openApiDocument } from './openapi.js';

/** How long verifiers may cache the JWKS and discovery (s). Rotation publishes keys longer ahead. */
export const JWKS_MAX_AGE = 300;

/** The mount point's public URL (`…/mfa`): the `publicUrl` option, else what the request says. */
export function baseUrl(ctx: MfaContext, c: Context, suffix: string): string {
  if (ctx.policy.publicUrl) return ctx.policy.publicUrl;
  const url = new URL(c.req.url);
  return url.origin + url.pathname.slice(0, url.pathname.length - suffix.length);
}

/** JSON with a strong ETag of its bytes; `If-None-Match` with that tag answers 304. */
function cacheable(c: Context, body: unknown, maxAge: number): Response {
  const text = JSON.stringify(body);
  const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
  const headers = { etag, 'cache-control': `public, max-age=${maxAge}`, 'content-type': 'application/json' };
  const match = c.req.header('if-none-match');
  // The app's `no-store` default (http/app.ts) is removed from the context, not only overridden
  // here: a host app's middleware around the mount (CORS in `mfa-elements serve`) makes Hono copy
  // the context's earlier headers onto the final response, which would put `no-store` back.
  c.header('cache-control', undefined);
  if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return c.body(null, 304, headers);
  return c.body(text, 200, headers);
}

/** `amr` values this configuration can put into a token. */
function amrValues(ctx: MfaContext): string[] {
  return [
    'otp', 'rec',
    ...(ctx.factorOptions.webauthn ? ['hwk', 'swk'] : []),
    ...(ctx.senders.sms ? ['sms', ...(ctx.policy.smsPolicy.voice ? ['tel'] : [])] : []),
    ...(ctx.senders.email ? ['email'] : []),
    ...(ctx.factorOptions.kba ? ['kba'] : []),
  ];
}

export function discoveryDocument(ctx: MfaContext, base: string) {
  const serverApi = !!(ctx.policy.admin.token || (ctx.policy.admin.clients && Object.keys(ctx.policy.admin.clients).length));
  return {
    issuer: ctx.policy.token.issuer,
    jwks_uri: `${base}/jwks.json`,
    ...(serverApi && {
      introspection_endpoint: `${base}/introspect`,
      introspection_endpoint_auth_methods_supported: [
        ...(ctx.policy.admin.clients && Object.keys(ctx.policy.admin.clients).length ? ['client_secret_basic'] : []),
        ...(ctx.policy.admin.token ? ['bearer'] : []),
      ],
    }),
    acr_values_supported: [ACR_MFA, ...(ctx.factorOptions.webauthn ? [ACR_PHR] : []), ...(ctx.factorOptions.kba ? [ACR_KBA] : [])],
    amr_values_supported: amrValues(ctx),
    token_type: STEP_UP_TOKEN_TYPE,
    token_header: STEP_UP_HEADER,
    token_authorization_bearer: ctx.policy.acceptBearer,
    token_audience: ctx.policy.token.audience,
    token_signing_alg_values_supported: [...ED25519_ALGS],
    token_lifetime: ctx.policy.token.lifetime,
    /** The guard's `max_age` when a route sets none: the token lifetime. */
    default_max_age: ctx.policy.token.lifetime,
    openapi_uri: `${base}/openapi.json`,
  };
}

export function mountPublicRoutes(app: Hono<any>, ctx: MfaContext): void {
  app.get('/jwks.json', async (c) => {
    const keys = await ctx.keys();
    return cacheable(c, { keys: keys.ring.map((k) => k.publicJwk) }, JWKS_MAX_AGE);
  });
  app.get('/.well-known/mfa-configuration', (c) =>
    cacheable(c, discoveryDocument(ctx, baseUrl(ctx, c, '/.well-known/mfa-configuration')), JWKS_MAX_AGE));
  app.get('/openapi.json', (c) => cacheable(c, openApiDocument(baseUrl(ctx, c, '/openapi.json')), JWKS_MAX_AGE));
}
