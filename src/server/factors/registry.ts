/**
 * The built-in factors, in the order a challenge's list offers its virtual ones. Adding a factor
 * is one file under factors/ plus one line here (docs/architecture.md "Adding a factor"); an
 * app registers its own through `createMfaServer({ factors: [...] })`.
 */
import { emailFactor, phoneFactor } from './contact-factor.js';
import { decoyFactor } from './decoy.js';
import { hotpFactor } from './hotp-factor.js';
import { kbaFactor } from './kba-factor.js';
import { recoveryFactor } from './recovery-factor.js';
import { FactorRegistry, type ServerFactor } from './server-factor.js';
import { totpFactor } from './totp-factor.js';
import { webauthnFactor } from './webauthn-factor.js';

export const BUILT_IN_FACTORS: readonly ServerFactor[] = [
  totpFactor,
  webauthnFactor,
  hotpFactor(),
  phoneFactor,
  emailFactor,
  recoveryFactor,
  kbaFactor,
];

/**
 * The built-in factors plus the app's own (`createMfaServer({ factors })`). An app factor of a
 * built-in type replaces it (e.g. `hotpFactor({ lookAhead: 20 })`: per-factor options).
 */
export function createFactorRegistry(extra: readonly ServerFactor[] = []): FactorRegistry {
  const replaced = new Set(extra.map((f) => f.type));
  return new FactorRegistry([...BUILT_IN_FACTORS.filter((f) => !replaced.has(f.type)), ...extra], [decoyFactor]);
}
