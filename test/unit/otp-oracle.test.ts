/** The tests' OTP oracle (test/helpers/otp.mjs) against the RFC 4226 and RFC 6238 (SHA1) vectors. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { base32Bytes, hotpCode, totpCodeAt } from '../helpers/otp.mjs';

const V = JSON.parse(readFileSync(new URL('../fixtures/rfc-otp-vectors.json', import.meta.url), 'utf8'));

describe('OTP oracle of the tests', () => {
  it('reads base32 as RFC 4648 does', () => {
    assert.equal(Buffer.from(base32Bytes(V.hotp.secretBase32)).toString('ascii'), V.hotp.secretAscii);
  });

  it('computes every RFC 4226 Appendix D code', () => {
    for (const v of V.hotp.vectors) assert.equal(hotpCode(V.hotp.secretBase32, v.counter), v.code);
  });

  it('computes every RFC 6238 SHA1 code', () => {
    const sha1 = V.totp.vectors.filter((v: { algorithm: string }) => v.algorithm === 'SHA1');
    assert.ok(sha1.length >= 6);
    const secret = Buffer.from(V.totp.secrets.SHA1.ascii, 'ascii');
    for (const v of sha1) assert.equal(totpCodeAt(secret, Math.floor(v.time / 30), 8), v.code, `T=${v.time}`);
  });
});
