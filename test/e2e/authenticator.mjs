// What an authenticator app does with the key it was shown (RFC 6238, SHA1, 6 digits, 30 s),
// written here independently of the server's own TOTP code.
import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(text) {
  let bits = '';
  for (const ch of text.replace(/\s/g, '').toUpperCase()) bits += ALPHABET.indexOf(ch).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
}

export const currentStep = (now = Date.now()) => Math.floor(now / 30_000);

export function codeAt(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(msg).digest();
  const o = mac[19] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** Waits until the wall clock reaches `step` (a code for step+1 is then inside the ±1 window). */
export async function waitForStep(step) {
  while (currentStep() < step) await new Promise((r) => setTimeout(r, 250));
}
