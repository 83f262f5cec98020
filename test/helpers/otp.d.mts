/** Types of test/helpers/otp.mjs (the tests' and benchmarks' one OTP oracle). */
export function base32Bytes(text: string): Uint8Array;
export function hotpCode(secret: string | Uint8Array, counter: number, digits?: number): string;
export const STEP_MS: number;
export function currentStep(now?: number): number;
export function totpCodeAt(secret: string | Uint8Array, step: number, digits?: number): string;
