/**
 * Response bodies of the `/mfa` protocol as zod schemas: the OpenAPI document is generated from
 * them (openapi.ts) and a test checks recorded real answers against them. They mirror the types in
 * core/types.ts, which stay the TypeScript contract of the browser side.
 */
import { z } from 'zod';

const isoTime = z.iso.datetime();
/** A built-in type (`totp`, `hotp`, `phone`, `email`, `webauthn`, `recovery`, `kba`) or an app's own (`createMfaServer({ factors })`). */
const factorType = z.string().min(1).meta({ description: "totp, hotp, phone, email, webauthn, recovery, kba, or the type of an app's own factor", examples: ['totp', 'hotp'] });
const enrollable = z.enum(['totp', 'webauthn', 'phone', 'email']);

export const errorSchema = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    attemptsLeft: z.number().int().min(0).optional(),
    retryAfter: z.number().int().min(0).optional(),
  }),
});

/** The RFC 9470 answer of a guard (and of mfa/manage endpoints) that needs a step-up. */
export const stepUpRequiredSchema = errorSchema.extend({
  resource: z.string(),
  action: z.string(),
  acr_values: z.string(),
  max_age: z.number().int(),
  /** The route's `describe`. */
  title: z.string().optional(),
  /** A bound route's transaction (label → value, in display order). */
  details: z.record(z.string(), z.string()).optional(),
  /** base64url SHA-256 of the canonical JSON of `{ action, details, resource }` (docs/server.md). */
  binding: z.string().optional(),
  /** The factor type the user's challenge for this route will ask for first; only when one will ask (a hint for the client's prompt). */
  likely_factor: z.string().optional(),
}).loose();

export const factorSummarySchema = z.strictObject({
  id: z.string(), type: factorType, label: z.string(), createdAt: isoTime, lastUsedAt: isoTime.nullable(),
  /** How much the factor proves alone (core/factor-strength.ts): the elements read it instead of deriving it from `type`. */
  strength: z.enum(['strong', 'standard', 'restricted']),
});
export const factorListSchema = z.strictObject({
  factors: z.array(factorSummarySchema), recoveryCodesLeft: z.number().int().min(0), available: z.array(enrollable),
});

export const enrollmentSchema = z.union([
  z.strictObject({
    factorId: z.string(), type: z.literal('totp'), secret: z.string(), otpauthUri: z.string(),
    digits: z.number().int(), period: z.number().int(), algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']),
  }),
  z.strictObject({
    factorId: z.string(), type: z.enum(['phone', 'email']), sentTo: z.string(),
    resendAfter: z.number().int().optional(), deliveryFailed: z.boolean().optional(), notice: z.literal('restricted').optional(),
  }),
  z.strictObject({ factorId: z.string(), type: z.literal('webauthn'), publicKey: z.record(z.string(), z.unknown()) }),
]);

export const confirmedSchema = z.strictObject({
  factor: factorSummarySchema,
  recoveryCodes: z.array(z.string()).optional(),
  notice: z.literal('restricted').optional(),
});
export const renamedSchema = z.strictObject({ factor: factorSummarySchema });
export const recoveryCodesSchema = z.strictObject({ recoveryCodes: z.array(z.string()) });

const factorRef = z.strictObject({ id: z.string(), type: factorType, label: z.string() });
export const stepSchema = z.object({
  guid: z.string(),
  type: z.enum(['code', 'text', 'options', 'image', 'webauthn']),
  label: z.string(),
  fieldName: z.string().optional(),
  options: z.array(z.object({ label: z.string(), value: z.string(), image: z.string().optional() })).optional(),
  image: z.string().optional(),
  imageAlt: z.string().optional(),
  length: z.number().int().optional(),
  inputMode: z.enum(['numeric', 'text']).optional(),
  sentTo: z.string().optional(),
  resendAfter: z.number().int().optional(),
  deliveryFailed: z.boolean().optional(),
  publicKey: z.record(z.string(), z.unknown()).optional(),
});
// Loose: later protocol versions add display fields (e.g. what the step-up is for).
export const challengedSchema = z.object({
  status: z.literal('CHALLENGED'),
  challengeId: z.string(),
  factor: factorRef,
  factors: z.array(factorRef),
  challenges: z.array(stepSchema).min(1),
  expiresAt: isoTime,
}).loose();
export const verifiedSchema = z.object({
  status: z.literal('VERIFIED'),
  sid: z.string(),
  token: z.string(),
  expiresAt: isoTime,
  acr: z.string(),
  amr: z.array(z.string()),
  resource: z.string(),
  action: z.string(),
}).loose();

export const jwksSchema = z.strictObject({
  keys: z.array(z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string(), kid: z.string(), alg: z.enum(['EdDSA', 'Ed25519']), use: z.literal('sig') }).loose()).min(1),
});

export const discoverySchema = z.object({
  issuer: z.string(),
  jwks_uri: z.string(),
  introspection_endpoint: z.string().optional(),
  introspection_endpoint_auth_methods_supported: z.array(z.string()).optional(),
  acr_values_supported: z.array(z.string()),
  amr_values_supported: z.array(z.string()),
  token_type: z.string(),
  token_header: z.string(),
  token_authorization_bearer: z.boolean(),
  token_audience: z.string(),
  token_signing_alg_values_supported: z.array(z.string()),
  token_lifetime: z.number().int(),
  default_max_age: z.number().int(),
  openapi_uri: z.string(),
}).loose();

export const introspectionSchema = z.union([
  z.strictObject({ active: z.literal(false) }),
  z.object({
    active: z.literal(true),
    token_type: z.string(),
    consumed: z.boolean(),
    iss: z.string(), aud: z.union([z.string(), z.array(z.string())]), sub: z.string(), sid: z.string(), jti: z.string(), ssn: z.string(),
    resource: z.string(), action: z.string(), acr: z.string(), amr: z.array(z.string()),
    auth_time: z.number().int(), iat: z.number().int(), exp: z.number().int(),
    txn: z.string().optional(),
  }).loose(),
]);

const adminFactor = z.strictObject({
  id: z.string(), type: factorType, label: z.string(), confirmed: z.boolean(), createdAt: isoTime, lastUsedAt: isoTime.nullable(),
  failures: z.number().int().min(0), lockedUntil: isoTime.nullable(),
});
export const adminFactorsSchema = z.strictObject({
  sub: z.string(), factors: z.array(adminFactor), recoveryCodesLeft: z.number().int().min(0), recoveryLockedUntil: isoTime.nullable(),
});
export const adminResetSchema = z.strictObject({ removedFactors: z.number().int().min(0), removedRecoveryCodes: z.number().int().min(0) });
export const adminUnlockSchema = z.strictObject({ unlocked: z.number().int().min(0) });
export const adminAuditSchema = z.strictObject({
  events: z.array(z.object({
    id: z.string(), at: isoTime, type: z.string(), sub: z.string(),
    resource: z.string().optional(), action: z.string().optional(), factor: z.string().optional(),
    severity: z.enum(['info', 'warning', 'critical']), status: z.enum(['success', 'failure']),
    metadata: z.record(z.string(), z.unknown()).optional(), ip: z.string().optional(),
  })),
});
export const keyListSchema = z.strictObject({
  keys: z.array(z.strictObject({
    kid: z.string(), state: z.enum(['next', 'active', 'previous', 'retired']), createdAt: isoTime, activateAt: isoTime, retireAt: isoTime.nullable(),
  })),
});
export const rotationSchema = z.strictObject({
  kid: z.string(), activateAt: isoTime, retiring: z.array(z.strictObject({ kid: z.string(), retireAt: isoTime })), refreshSeconds: z.number(),
});
