/**
 * The shape of a typed code, checked before it is sent, so an obvious typo costs no round trip
 * (and never an attempt): `length` digits, or a recovery code of 16 base32 letters (dashes allowed).
 */
export const wellFormedCode = (value: string, recovery: boolean, length = 6): boolean =>
  recovery ? /^[a-z2-7]{16}$/i.test(value.replace(/-/g, '')) : new RegExp(`^[0-9]{${length}}$`).test(value);
