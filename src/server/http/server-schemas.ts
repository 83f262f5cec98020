/** Request bodies of the server-to-server endpoints (introspection, admin). Strict like the rest. */
import { z } from 'zod';

const name = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
/** Form posts carry booleans as text. */
const flag = z.union([z.boolean(), z.enum(['true', 'false'])]).transform((v) => v === true || v === 'true');

export const introspectSchema = z.strictObject({
  token: z.string().min(1).max(8_192),
  /** RFC 7662 lets the caller hint the kind of token; there is only one kind here. */
  token_type_hint: z.string().max(64).optional(),
  /** Use the token up: later introspections and one-time guards refuse it, on every instance. */
  consume: flag.optional(),
  /** Optional expectations; a token that does not meet them is inactive and is not consumed. */
  sub: z.string().min(1).max(256).optional(),
  /** The app session id the caller sees (hashed here as in the token's `ssn`). */
  session_id: z.string().min(1).max(512).optional(),
  resource: name.optional(),
  action: name.optional(),
});

/** The user id in admin paths. */
export const subParam = z.string().min(1).max(256);
export const auditQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1_000).default(100) });
export const rotateSchema = z.strictObject({ immediate: flag.optional() });
export const emptyAdminSchema = z.strictObject({});
