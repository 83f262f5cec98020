/**
 * The OpenAPI 3.1 description of the `/mfa` protocol, generated from the same zod schemas the
 * server validates requests with (http/schemas.ts, http/server-schemas.ts) and the response
 * schemas in http/responses.ts. Served at `GET /mfa/openapi.json`; `npm run openapi` writes it to
 * openapi.json at the repository root (and `--check` fails when that file is stale).
 */
import { z } from 'zod';
import { BUILT_IN_FACTORS } from '../factors/registry.js';
import { auditSchema, confirmSchema, renameSchema, resumeSchema, startChallengeSchema } from './schemas.js';
import { introspectSchema, rotateSchema } from './server-schemas.js';
import * as R from './responses.js';

type Auth = 'session' | 'none' | 'admin' | 'introspection';
interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  auth: Auth;
  body?: z.ZodType;
  /** Form bodies accepted besides JSON. */
  form?: boolean;
  /** Status → schema (null: no body). */
  ok: Record<number, z.ZodType | null>;
  /** Error statuses this operation documents besides the common ones. */
  errors?: number[];
  query?: Record<string, { schema: z.ZodType; description: string }>;
}

/**
 * `POST /factors` bodies: the router accepts any `{type, …}` and each factor checks its own input,
 * so the document lists the built-in factors' own schemas (an app's factors add theirs at run time).
 */
const enrollBody = z.union(BUILT_IN_FACTORS.flatMap((f) => (f.enrollInput ? [f.enrollInput] : [])) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);

/** Every operation the server answers (the OpenAPI test compares this with the router). */
export const OPERATIONS: Operation[] = [
  { method: 'get', path: '/factors', summary: 'The signed-in user\'s confirmed factors', auth: 'session', ok: { 200: R.factorListSchema } },
  { method: 'post', path: '/factors', summary: 'Start adding a factor', auth: 'session', body: enrollBody, ok: { 201: R.enrollmentSchema }, errors: [409, 429] },
  { method: 'post', path: '/factors/{id}/confirm', summary: 'Confirm a pending factor', auth: 'session', body: confirmSchema, ok: { 200: R.confirmedSchema }, errors: [403, 404, 409, 410, 423] },
  { method: 'post', path: '/factors/{id}/resend', summary: 'Send a new enrollment code', auth: 'session', ok: { 200: R.enrollmentSchema }, errors: [404, 409, 429] },
  { method: 'patch', path: '/factors/{id}', summary: 'Rename a factor', auth: 'session', body: renameSchema, ok: { 200: R.renamedSchema }, errors: [404] },
  { method: 'delete', path: '/factors/{id}', summary: 'Remove a factor (needs a step-up for mfa/manage)', auth: 'session', ok: { 204: null }, errors: [404] },
  { method: 'post', path: '/recovery-codes', summary: 'Regenerate recovery codes (needs a step-up for mfa/manage)', auth: 'session', ok: { 201: R.recoveryCodesSchema }, errors: [409] },
  { method: 'post', path: '/challenges', summary: 'Start a step-up challenge', auth: 'session', body: startChallengeSchema, ok: { 201: R.challengedSchema, 200: R.verifiedSchema }, errors: [409, 423, 429] },
  { method: 'post', path: '/challenges/{id}/resume', summary: 'Answer a challenge step', auth: 'session', body: resumeSchema, ok: { 200: z.union([R.verifiedSchema, R.challengedSchema]) }, errors: [403, 404, 409, 410, 423, 429] },
  { method: 'post', path: '/challenges/{id}/resend', summary: 'Send a new code for a challenge', auth: 'session', ok: { 200: R.challengedSchema }, errors: [404, 410, 423, 429] },
  { method: 'delete', path: '/session', summary: 'Forget this session\'s step-ups and revoke its tokens', auth: 'session', ok: { 204: null } },
  { method: 'post', path: '/audit', summary: 'Record an app event (trackUserAction)', auth: 'session', body: auditSchema, ok: { 204: null }, errors: [413, 429] },
  { method: 'get', path: '/jwks.json', summary: 'Public keys of step-up tokens (cacheable, ETag)', auth: 'none', ok: { 200: R.jwksSchema, 304: null } },
  { method: 'get', path: '/.well-known/mfa-configuration', summary: 'Discovery document', auth: 'none', ok: { 200: R.discoverySchema, 304: null } },
  { method: 'get', path: '/openapi.json', summary: 'This document', auth: 'none', ok: { 200: z.object({ openapi: z.string() }).loose(), 304: null } },
  { method: 'post', path: '/introspect', summary: 'RFC 7662 introspection of a step-up token, optionally consuming it', auth: 'introspection', body: introspectSchema, form: true, ok: { 200: R.introspectionSchema }, errors: [403, 429] },
  { method: 'get', path: '/admin/users/{sub}/factors', summary: 'Every factor of a user, with locks', auth: 'admin', ok: { 200: R.adminFactorsSchema }, errors: [403, 429] },
  { method: 'post', path: '/admin/users/{sub}/reset', summary: 'Remove every factor and recovery code, revoke every token', auth: 'admin', ok: { 200: R.adminResetSchema }, errors: [403, 429] },
  { method: 'post', path: '/admin/users/{sub}/unlock', summary: 'Lift every lock of a user', auth: 'admin', ok: { 200: R.adminUnlockSchema }, errors: [403, 429] },
  {
    method: 'get', path: '/admin/users/{sub}/audit', summary: 'A user\'s audit events, newest first', auth: 'admin', ok: { 200: R.adminAuditSchema }, errors: [403, 429],
    query: { limit: { schema: z.number().int().min(1).max(1000).default(100), description: 'How many events (default 100).' } },
  },
  { method: 'get', path: '/admin/keys', summary: 'The signing key ring', auth: 'admin', ok: { 200: R.keyListSchema }, errors: [403, 429] },
  { method: 'post', path: '/admin/keys/rotate', summary: 'Schedule the next signing key (or switch now with immediate)', auth: 'admin', body: rotateSchema, ok: { 200: R.rotationSchema }, errors: [403, 429] },
];

/**
 * Shared definitions (zod puts recursive ones such as JSON values under `$defs`) are moved to
 * `components/schemas`, deduplicated by content, and the references rewritten to point there.
 */
class Definitions {
  readonly schemas: Record<string, unknown> = {};
  private readonly byContent = new Map<string, string>();

  convert(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
    const { $schema: _drop, $defs, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
    const renamed = new Map<string, string>();
    for (const [local, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) {
      const key = JSON.stringify(def);
      let name = this.byContent.get(key);
      if (!name) {
        name = `Shared${this.byContent.size + 1}`;
        this.byContent.set(key, name);
      }
      renamed.set(local, name);
    }
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (!value || typeof value !== 'object') return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? `#/components/schemas/${renamed.get(v.slice(8))}` : rewrite(v);
      }
      return out;
    };
    for (const [local, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) this.schemas[renamed.get(local)!] = rewrite(def);
    return rewrite(rest) as Record<string, unknown>;
  }
}

const SECURITY: Record<Auth, unknown[]> = {
  session: [{ appSession: [] }],
  none: [],
  admin: [{ adminToken: [] }],
  introspection: [{ adminToken: [] }, { clientBasic: [] }],
};

export function openApiDocument(serverUrl = '/mfa') {
  const defs = new Definitions();
  const json = (schema: z.ZodType, io: 'input' | 'output') => defs.convert(schema, io);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string', minLength: 1 } }));
    for (const [name, q] of Object.entries(op.query ?? {})) params.push({ name, in: 'query', required: false, schema: json(q.schema, 'input') as never, description: q.description } as never);
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(op.ok)) {
      responses[status] = schema
        ? { description: status === '201' ? 'Created' : 'OK', content: { 'application/json': { schema: json(schema, 'output') } } }
        : { description: status === '304' ? 'Not modified (If-None-Match)' : 'No content' };
    }
    const common = op.auth === 'none' ? [] : op.auth === 'session' ? [400, 401, 403, 413, 415, 503] : [400, 401, 413, 415, 503];
    for (const status of [...new Set([...common, ...(op.errors ?? []), 404])].sort()) {
      responses[String(status)] = { $ref: '#/components/responses/Error' };
    }
    if (op.auth === 'session' && op.method !== 'get') responses['401'] = { $ref: '#/components/responses/Unauthorized' };
    const body = op.body && {
      required: op.method !== 'delete' && op.path !== '/recovery-codes',
      content: {
        'application/json': { schema: json(op.body, 'input') },
        ...(op.form && { 'application/x-www-form-urlencoded': { schema: json(op.body, 'input') } }),
      },
    };
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(\w)?/g, (_, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
      security: SECURITY[op.auth],
      ...(params.length && { parameters: params }),
      ...(body && { requestBody: body }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'mfa-elements',
      version: '1',
      description: 'Step-up MFA protocol of the mfa-elements reference server (docs/server.md, docs/service.md). Errors are `{error:{code,message,attemptsLeft?,retryAfter?}}`.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: { Error: json(R.errorSchema, 'output'), StepUpRequired: json(R.stepUpRequiredSchema, 'output'), ...defs.schemas },
      responses: {
        Error: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        Unauthorized: {
          description: 'No app session (`unauthenticated`), or a step-up for mfa/manage is needed (RFC 9470 challenge)',
          content: { 'application/json': { schema: { anyOf: [{ $ref: '#/components/schemas/Error' }, { $ref: '#/components/schemas/StepUpRequired' }] } } },
        },
      },
      securitySchemes: {
        appSession: { type: 'http', scheme: 'bearer', description: 'The app session (library: your `authenticate` hook; service: the app-session assertion JWT, or its cookie).' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'MFA_ADMIN_TOKEN / the `admin.token` option.' },
        clientBasic: { type: 'http', scheme: 'basic', description: 'Introspection client credentials (`admin.clients`).' },
      },
    },
  };
}
