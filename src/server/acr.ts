/**
 * `acr` values of step-up tokens (RFC 9470): `mfa` once a second factor is proven; `kba` for an
 * integration's knowledge questions, which never satisfy `mfa` (docs/server.md).
 */
export const ACR_MFA = 'mfa';
export const ACR_KBA = 'kba';
