/**
 * How much one factor proves on its own, defined once for server and elements (docs/security.md):
 * - `strong`: an authenticator app, a passkey or security key, a hardware token (HOTP);
 * - `standard`: a code sent by email;
 * - `restricted`: a code sent by phone (SIM swap, SS7: NIST SP 800-63B-4 §3.1.3.3) — listed
 *   last, and a user whose only factors are restricted hears so.
 */
export type FactorStrength = 'strong' | 'standard' | 'restricted';

const BUILT_IN: Record<string, FactorStrength> = {
  totp: 'strong', webauthn: 'strong', hotp: 'strong', email: 'standard', phone: 'restricted',
};

/**
 * The strength of a built-in factor type; an unknown (app-defined) type counts as `standard`
 * unless its `ServerFactor` says otherwise. The server sends each factor's strength on the wire
 * (`FactorSummary.strength`); elements fall back to this only for a server too old to send it.
 */
export const strengthOf = (type: string): FactorStrength => BUILT_IN[type] ?? 'standard';
