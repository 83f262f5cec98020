/**
 * How one-time codes and recovery codes look on the wire. Shared by server and client so
 * the element refuses exactly what the server would refuse (docs/server.md "HTTP protocol", docs/security.md).
 */

/** Removes spaces only; anything else (dashes, full-width digits) stays and fails the check. */
export const stripSpaces = (value: string): string => value.replace(/[ \t]/g, '');

/** 6–8 ASCII digits after removing spaces. */
export const isOneTimeCode = (value: string): boolean => /^[0-9]{6,8}$/.test(stripSpaces(value));

/**
 * The code as a server accepts it for a factor of `digits` digits: exactly that many ASCII digits
 * once spaces are gone, else null (malformed: a 400 that never counts toward lockout).
 */
export function parseCodeOfLength(value: string, digits: number): string | null {
  const code = stripSpaces(value);
  return isCodeOfLength(code, digits) ? code : null;
}

/** Exactly `digits` ASCII digits, nothing else: the rule itself, for a value already without spaces. */
export const isCodeOfLength = (code: string, digits: number): boolean => code.length === digits && /^[0-9]+$/.test(code);

/** RFC 4648 base32 alphabet (recovery codes and TOTP secrets). */
export const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Recovery codes are 16 base32 characters (80 bits) shown as `xxxx-xxxx-xxxx-xxxx`;
 * case, spaces and dashes are ignored on entry. Returns the canonical 16 upper-case
 * characters, or null when the input cannot be a recovery code.
 */
export function normalizeRecoveryCode(value: string): string | null {
  const canonical = value.replace(/[\s-]/g, '').toUpperCase();
  return /^[A-Z2-7]{16}$/.test(canonical) ? canonical : null;
}

/** `ABCDEFGHIJKLMNOP` → `abcd-efgh-ijkl-mnop` (lower case reads better, and entry ignores case). */
export const formatRecoveryCode = (canonical: string): string =>
  canonical.toLowerCase().match(/.{1,4}/g)!.join('-');

/**
 * What a person may type or paste: full-width digits (IME input) become ASCII, spaces go.
 * The element applies this before sending; the server itself accepts ASCII digits only.
 */
export const normalizeTypedCode = (value: string): string =>
  stripSpaces(value.normalize('NFKC')).replace(/\s/g, '');
