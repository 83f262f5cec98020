/**
 * Code that loads on first use, so the size-budgeted prompt path (a TOTP step-up) does not carry
 * it: the prompt's other steps, the passkey ceremony and the QR encoder. The script-tag build swaps in
 * lazy.url.ts, which fetches the same code as companion files beside the IIFE.
 *
 * Keep these modules out of index.ts's static exports: esbuild puts a module that is both
 * statically and dynamically reachable on the static path.
 */
export const loadSteps = () => import('../mfa-prompt/prompt-steps.js');
export const loadPasskeys = () => import('./passkeys.js');
export const loadQrEncoder = () => import('../mfa-enroll/qr-encoder.js');
