/** RFC 4226 / RFC 6238 vectors and the TOTP helpers (docs/server.md "Factors", docs/security.md). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { base32Decode, base32Encode } from '../../src/server/totp/base32.js';
import { SECRET_BYTES, generateSecret, hotp, matchTotpStep, otpauthUri, timeStep, totp, type TotpParams } from '../../src/server/totp/totp.js';

type Alg = 'SHA1' | 'SHA256' | 'SHA512';
interface Vectors {
  hotp: { secretAscii: string; secretBase32: string; digits: number; algorithm: Alg; vectors: { counter: number; code: string }[] };
  totp: {
    period: number;
    t0: number;
    secrets: Record<Alg, { ascii: string; base32: string }>;
    vectors: { time: number; algorithm: Alg; digits: number; code: string }[];
    sixDigitVectors: { time: number; algorithm: Alg; digits: number; code: string }[];
  };
  negative: { vectors: { time: number; algorithm: Alg; secretAscii: string; mustNotEqual: string; wrongCode: string }[] };
}

const V = JSON.parse(readFileSync(new URL('../fixtures/rfc-otp-vectors.json', import.meta.url), 'utf8')) as Vectors;

describe('HOTP (RFC 4226 Appendix D)', () => {
  const secret = Buffer.from(V.hotp.secretAscii, 'ascii');
  test('fixture seed and its base32 form agree', () => {
    assert.deepEqual(base32Decode(V.hotp.secretBase32), secret);
    assert.equal(base32Encode(secret), V.hotp.secretBase32);
  });
  assert.equal(V.hotp.vectors.length, 10);
  for (const v of V.hotp.vectors) {
    test(`counter ${v.counter} → ${v.code}`, () => {
      assert.equal(hotp(secret, v.counter, V.hotp.digits, V.hotp.algorithm), v.code);
      assert.equal(hotp(base32Decode(V.hotp.secretBase32), v.counter, V.hotp.digits, V.hotp.algorithm), v.code);
    });
  }
});

describe('TOTP (RFC 6238 Appendix B, per-algorithm seeds)', () => {
  assert.equal(V.totp.vectors.length, 18);
  for (const alg of ['SHA1', 'SHA256', 'SHA512'] as const) {
    test(`${alg} seed: ascii and base32 forms agree`, () => {
      assert.deepEqual(base32Decode(V.totp.secrets[alg].base32), Buffer.from(V.totp.secrets[alg].ascii, 'ascii'));
    });
  }
  for (const v of [...V.totp.vectors, ...V.totp.sixDigitVectors]) {
    test(`${v.algorithm} t=${v.time} ${v.digits} digits → ${v.code}`, () => {
      const secret = base32Decode(V.totp.secrets[v.algorithm].base32);
      const params: TotpParams = { algorithm: v.algorithm, digits: v.digits, period: V.totp.period };
      const ms = (v.time - V.totp.t0) * 1000;
      assert.equal(totp(secret, ms, params), v.code);
      // And the verifier finds exactly that step.
      assert.equal(matchTotpStep(secret, v.code, ms, params), Math.floor(v.time / V.totp.period));
    });
  }
});

describe('negative vectors (20-byte SHA1 seed reused for SHA256/SHA512)', () => {
  for (const n of V.negative.vectors) {
    test(`${n.algorithm} t=${n.time} never yields ${n.wrongCode}`, () => {
      const right = base32Decode(V.totp.secrets[n.algorithm].base32);
      const params: TotpParams = { algorithm: n.algorithm, digits: 8, period: 30 };
      const produced = totp(right, n.time * 1000, params);
      assert.notEqual(produced, n.wrongCode);
      assert.equal(produced, n.mustNotEqual, 'the RFC row itself');
      // The fixture's wrong code is really what the buggy seed gives, so the check above bites.
      assert.equal(totp(Buffer.from(n.secretAscii, 'ascii'), n.time * 1000, params), n.wrongCode);
      // The wrong code is not accepted by the verifier with the right seed anywhere in the window.
      assert.equal(matchTotpStep(right, n.wrongCode, n.time * 1000, params), null);
    });
  }
});

describe('matchTotpStep window', () => {
  const secret = base32Decode(V.totp.secrets.SHA1.base32);
  const params: TotpParams = { algorithm: 'SHA1', digits: 6, period: 30 };
  const now = 1_900_000_015_000; // frozen, mid-step
  const T = timeStep(now);

  test('accepts T-1, T and T+1 and returns the matched step', () => {
    for (const offset of [-1, 0, 1]) {
      assert.equal(matchTotpStep(secret, hotp(secret, T + offset), now, params), T + offset);
    }
  });

  test('rejects T-2 and T+2', () => {
    for (const offset of [-2, 2, -3, 3]) {
      const code = hotp(secret, T + offset);
      // Guard against a coincidental collision with an in-window code (would make the test meaningless).
      assert.ok(![-1, 0, 1].some((o) => hotp(secret, T + o) === code));
      assert.equal(matchTotpStep(secret, code, now, params), null);
    }
  });

  test('step boundaries follow the server clock exactly', () => {
    const start = T * 30_000; // first ms of step T
    const code = hotp(secret, T + 1);
    assert.equal(matchTotpStep(secret, code, start, params), T + 1);
    assert.equal(matchTotpStep(secret, code, start - 1, params), null, 'last ms of T-1: T+1 is two steps ahead');
    const old = hotp(secret, T - 1);
    assert.equal(matchTotpStep(secret, old, start + 29_999, params), T - 1);
    assert.equal(matchTotpStep(secret, old, start + 30_000, params), null, 'first ms of T+1: T-1 is two steps behind');
  });

  test('a code of another length never matches', () => {
    assert.equal(matchTotpStep(secret, hotp(secret, T).slice(1), now, params), null);
    assert.equal(matchTotpStep(secret, hotp(secret, T, 8), now, params), null);
  });
});

describe('base32', () => {
  test('round trip of every length 0..40 and random bytes', () => {
    for (let len = 0; len <= 40; len++) {
      const data = Buffer.from(Array.from({ length: len }, (_, i) => (i * 73 + len * 11) & 255));
      const text = base32Encode(data);
      assert.match(text, /^[A-Z2-7]*$/);
      assert.deepEqual(base32Decode(text), data);
    }
    const random = generateSecret();
    assert.deepEqual(base32Decode(base32Encode(random)), random);
  });

  test('RFC 4648 §10 test vectors (padding dropped on output, ignored on input)', () => {
    const cases: [string, string][] = [
      ['', ''], ['f', 'MY======'], ['fo', 'MZXQ===='], ['foo', 'MZXW6==='],
      ['foob', 'MZXW6YQ='], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI======'],
    ];
    for (const [plain, encoded] of cases) {
      assert.equal(base32Encode(Buffer.from(plain)), encoded.replace(/=/g, ''));
      assert.equal(base32Decode(encoded).toString(), plain);
      assert.equal(base32Decode(encoded.toLowerCase().replace(/(.{4})/g, '$1 ')).toString(), plain, 'case and spaces ignored');
    }
  });

  test('refuses characters outside the alphabet', () => {
    for (const bad of ['MZXW1', 'MZXW0', 'MZXW8', 'MZ-XW']) assert.throws(() => base32Decode(bad), RangeError);
  });
});

describe('otpauthUri', () => {
  const base = { secret: 'JBSWY3DPEHPK3PXP', algorithm: 'SHA1', digits: 6, period: 30 } as const;

  test('encodes issuer and account in the label and the issuer parameter; omits defaults', () => {
    const uri = otpauthUri({ ...base, issuer: 'Acme Co', account: 'a@b.c' });
    assert.equal(uri, 'otpauth://totp/Acme%20Co:a%40b.c?secret=JBSWY3DPEHPK3PXP&issuer=Acme%20Co');
    const url = new URL(uri);
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(url.searchParams.get('issuer'), 'Acme Co');
    assert.equal(url.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
    for (const p of ['algorithm', 'digits', 'period']) assert.equal(url.searchParams.has(p), false, `${p} is a default`);
  });

  test('a colon, slash, ampersand or hash in issuer or account cannot break the URI apart', () => {
    const uri = otpauthUri({ ...base, issuer: 'A:B&C', account: 'x/y#z:w' });
    const [path, query] = uri.slice('otpauth://totp/'.length).split('?');
    assert.equal(path!.split(':').length, 2, 'exactly one label separator');
    assert.equal(decodeURIComponent(path!.split(':')[0]!), 'A:B&C');
    assert.equal(decodeURIComponent(path!.split(':')[1]!), 'x/y#z:w');
    assert.equal(new URLSearchParams(query).get('issuer'), 'A:B&C');
    assert.ok(!uri.includes('#'));
  });

  test('non-default parameters are written', () => {
    const url = new URL(otpauthUri({ ...base, issuer: 'X', account: 'y', algorithm: 'SHA256', digits: 8, period: 60 }));
    assert.equal(url.searchParams.get('algorithm'), 'SHA256');
    assert.equal(url.searchParams.get('digits'), '8');
    assert.equal(url.searchParams.get('period'), '60');
  });
});

describe('generateSecret', () => {
  test('160-bit secrets that differ', () => {
    assert.equal(SECRET_BYTES, 20);
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const s = generateSecret();
      assert.equal(s.length, 20);
      seen.add(s.toString('hex'));
    }
    assert.equal(seen.size, 50);
  });
});
