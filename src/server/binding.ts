/**
 * Transaction binding (docs/server.md "Binding a step-up to the transaction"): a route's
 * `bind(request)` names what the user approves as a flat record of short label → value strings;
 * the step-up token carries `txn`, the digest of the canonical JSON of
 * `{ action, details, resource }`, and the guard recomputes it from the retried request.
 *
 * Canonical JSON here is RFC 8785 (JCS) restricted to objects of strings: keys sorted by their
 * UTF-16 code units, no whitespace, strings escaped as `JSON.stringify` does (only `"`, `\` and
 * U+0000–U+001F, which the limits below refuse anyway), encoded as UTF-8. The digest is SHA-256,
 * written base64url without padding. Any language computes the same value (test/vectors/binding.json).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** What a route binds a step-up to, in display order: `{ amount: '$100.00', to: 'Savings' }`. */
export type TransactionDetails = Record<string, string>;

export const DETAILS_LIMITS = { keys: 20, label: 40, value: 200, title: 120 } as const;

/**
 * Characters that could hide or reorder what the user reads: C0/C1 controls, bidi embeddings,
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069), and the invisible marks U+200B–U+200F,
 * U+2028/U+2029, U+FEFF. Values render as text with `dir="auto"`, so an RTL payee needs none.
 */
// eslint-disable-next-line no-control-regex
const VISIBLE = /^[^\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]*$/;

const shown = (min: number, max: number, what: string) =>
  z.string()
    .min(min, `${what} is empty`)
    .max(max, `${what} is longer than ${max} characters`)
    .regex(VISIBLE, `${what} contains a control or bidi-override character`);

export const detailsSchema = z
  .record(shown(1, DETAILS_LIMITS.label, 'a detail label'), shown(0, DETAILS_LIMITS.value, 'a detail value'))
  .refine((d) => Object.keys(d).length <= DETAILS_LIMITS.keys, `more than ${DETAILS_LIMITS.keys} details`);

export const titleSchema = shown(1, DETAILS_LIMITS.title, 'the title');

/** Base64url (no padding) of a SHA-256 digest: 43 characters. */
export const bindingSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a binding is a base64url SHA-256 digest (43 characters)');

/** The first broken limit, in words, or null when `details` may be shown and bound. */
export function detailsProblem(details: unknown): string | null {
  const r = detailsSchema.safeParse(details);
  if (r.success) return null;
  const first = r.error.issues[0] as { message: string; issues?: { message: string }[] } | undefined;
  // A bad label is reported by zod as "Invalid key in record", with the reason one level down.
  return first?.issues?.[0]?.message ?? first?.message ?? 'invalid details';
}

/** UTF-16 code-unit order, as RFC 8785 §3.2.3 sorts keys (JavaScript's default string order). */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** RFC 8785 canonical JSON of a value made of objects and strings only. */
export function canonicalJson(value: string | { [key: string]: unknown }): string {
  if (typeof value === 'string') return JSON.stringify(value);
  const keys = Object.keys(value).sort(byCodeUnits);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as string | { [key: string]: unknown })}`).join(',')}}`;
}

/** `base64url(SHA-256(UTF-8(canonicalJson({ action, details, resource }))))`. */
export function bindingOf(scope: { resource: string; action: string }, details: TransactionDetails): string {
  const text = canonicalJson({ resource: scope.resource, action: scope.action, details });
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}
