/** Request bodies of the HTTP protocol (docs/server.md). Strict: unknown keys are refused. */
import { STEP_UP_ACRS } from '../acr.js';
import { z } from 'zod';
import { factorLabel } from '../factors/factor-label.js';
import { bindingSchema, detailsSchema, titleSchema } from '../binding.js';

/** Resource and action names: short, printable, no spaces (they end up in tokens and logs). */
const name = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const id = z.string().min(1).max(64);
/** A typed code before format checks (the factor decides what is well-formed). */
const codeText = z.string().min(1).max(64);
const label = factorLabel;

export const startChallengeSchema = z.strictObject({
  resource: name,
  action: name,
  factorId: id.optional(),
  /** A factor type of the registry (checked by the service), `recovery` or `kba`. */
  factorType: z.string().min(1).max(32).optional(),
  force: z.boolean().optional(),
  /** The route's RFC 9470 max_age in seconds. */
  maxAge: z.number().int().min(0).max(31_536_000).optional(),
  /** The level the route asks for (its `acr_values`): `phr` offers passkeys only. Default `mfa`. */
  acr: z.enum(STEP_UP_ACRS).optional(),
  /** Why the app asks (Q2 `promptForMFA({ code })`); recorded in the audit event. */
  reason: z.union([z.string().max(64), z.number().int()]).transform(String).optional(),
  /**
   * The transaction the user approves (a bound route's 401 `details`, or the app's own): at most
   * 20 labels of ≤ 40 and values of ≤ 200 characters, without control or bidi-override characters.
   */
  details: detailsSchema.optional(),
  /** The 401's `binding`; refused when it is not the digest of these details (docs/server.md). */
  binding: bindingSchema.optional(),
  /** What the step-up is for, as the prompt shows it (not stored, not bound). */
  title: titleSchema.optional(),
});

/** An answer: a code, a typed answer, an option value, or a WebAuthn assertion as JSON. */
const answerText = z.string().min(1).max(8_192);

export const resumeSchema = z.strictObject({
  answers: z.array(z.strictObject({ guid: id, value: answerText })).min(1).max(8),
});

/** `{type, …}`: the rest is the factor's own input, checked by its schema (factors/*.ts). */
export const enrollSchema = z.looseObject({ type: z.string().min(1).max(32) });

/** `{code}` for codes; `{credential}` (WebAuthn RegistrationResponseJSON) for passkeys. */
export const confirmSchema = z.union([
  z.strictObject({ code: codeText }),
  z.strictObject({ credential: z.record(z.string().max(64), z.json()) }),
]);
export const renameSchema = z.strictObject({ label });
export const emptySchema = z.strictObject({});

/** `trackUserAction(event, { webhookNotification })` (Transcodes shape). */
export const auditSchema = z.strictObject({
  tag: z.string().min(1).max(64).regex(/^[\w.:/-]+$/, 'letters, digits and _ . : / - only'),
  severity: z.enum(['low', 'medium', 'high', 'critical', 'info', 'warning']).default('info'),
  status: z.union([z.boolean(), z.enum(['success', 'failure'])]).default(true),
  metadata: z.record(z.string().max(64), z.json()).optional(),
  webhookNotification: z.boolean().optional(),
});
