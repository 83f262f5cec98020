// What an authenticator app does with the key it was shown (RFC 6238, SHA1, 6 digits, 30 s):
// the tests' one OTP oracle (test/helpers/otp.mjs), independent of the server's own TOTP code.
import { currentStep, totpCodeAt } from '../helpers/otp.mjs';

export { currentStep };

export const codeAt = (secret, step) => totpCodeAt(secret, step);

/** Waits until the wall clock reaches `step` (a code for step+1 is then inside the ±1 window). */
export async function waitForStep(step) {
  while (currentStep() < step) await new Promise((r) => setTimeout(r, 250));
}
