import { isCodeOfLength } from '../../core/code-format.js';

/**
 * The shape of a typed code, checked before it is sent, so an obvious typo costs no round trip
 * (and never an attempt): `length` digits (the server's rule, core/code-format.ts), or a recovery
 * code of 16 base32 letters (dashes allowed; core's normalizeRecoveryCode, without pulling it onto
 * the size-budgeted prompt path).
 */
export const wellFormedCode = (value: string, recovery: boolean, length = 6): boolean =>
  recovery ? /^[a-z2-7]{16}$/i.test(value.replace(/-/g, '')) : isCodeOfLength(value, length);
