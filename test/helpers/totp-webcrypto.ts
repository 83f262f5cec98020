/**
 * Browser tests' TOTP codes, computed the way an authenticator app would from the secret the
 * server showed — by the tests' one OTP oracle (test/helpers/otp.mjs), not the server's code.
 * (The name is historical: the oracle is plain JavaScript, shared with node tests and benchmarks.)
 */
import { STEP_MS, totpCodeAt } from './otp.mjs';

/** The code for the time step `stepOffset` steps away from now (0 = current). */
export async function totpCode(secret: string, stepOffset = 0, digits = 6, at = Date.now()): Promise<string> {
  return totpCodeAt(secret, Math.floor(at / STEP_MS) + stepOffset, digits);
}
