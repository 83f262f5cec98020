/**
 * `acr` values of step-up tokens (RFC 9470), docs/server.md "Assurance levels":
 *  - `mfa` once a second factor is proven;
 *  - `phr` (phishing-resistant) once a passkey or security key signed with user verification:
 *    its signature is bound to the origin, so a look-alike site cannot relay it;
 *  - `kba` for an integration's knowledge questions, which never satisfy `mfa`.
 */
export const ACR_MFA = 'mfa';
export const ACR_PHR = 'phr';
export const ACR_KBA = 'kba';

/** The levels a client may ask a challenge for (`POST /mfa/challenges {acr}`). */
export const STEP_UP_ACRS = [ACR_MFA, ACR_PHR] as const;
export type StepUpAcr = (typeof STEP_UP_ACRS)[number];

/**
 * Whether a proof at level `proven` answers a demand for `wanted`: `phr` is also `mfa` (a
 * passkey is a second factor); `mfa` is never `phr`; `kba` answers only `kba`.
 */
export const satisfiesAcr = (proven: string, wanted: string): boolean =>
  proven === wanted || (proven === ACR_PHR && wanted === ACR_MFA);

/** A guard's acceptable values, widened by the levels that satisfy them (`mfa` → also `phr`). */
export const acceptableAcrs = (acrValues: readonly string[]): string[] =>
  [...new Set(acrValues.flatMap((v) => (v === ACR_MFA ? [ACR_MFA, ACR_PHR] : [v])))];
