/** Secrets at rest (docs/architecture.md "Stores", docs/security.md): nothing readable in the SQLite file; the key lives beside it, 0600. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { normalizeRecoveryCode } from '../../src/core/code-format.js';
import { SecretBox, loadOrCreateKey } from '../../src/server/crypto/secret-box.js';
import { base32Decode } from '../../src/server/totp/base32.js';
import { STEP_MS, expectError, makeServer } from './harness.js';

const A = 'alice';
const PAY = { resource: 'payments', action: 'transfer' } as const;

describe('SQLite store at rest', () => {
  let dir: string;
  let secret = '';
  let lastClock = 0;
  let savedKey: string | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mfa-at-rest-'));
    savedKey = process.env.MFA_ENCRYPTION_KEY;
    delete process.env.MFA_ENCRYPTION_KEY;
  });
  after(() => {
    if (savedKey === undefined) delete process.env.MFA_ENCRYPTION_KEY;
    else process.env.MFA_ENCRYPTION_KEY = savedKey;
    rmSync(dir, { recursive: true, force: true });
  });

  /** The default server: SQLite at <dataDir>/mfa.db, key file <dataDir>/mfa.key. */
  const open = () => makeServer({ store: undefined, encryptionKey: undefined, dataDir: dir });

  test('no TOTP secret, recovery code or private signing key appears in the database files', async () => {
    const h = open();
    const a = await h.enrollTotp(A);
    const token = await h.stepUp(A, a.secret, PAY.resource, PAY.action); // creates the signing key too
    assert.equal(typeof token.token, 'string');
    // The private key is not extractable; read its JWK the way the server does (opening the sealed record).
    const [record] = await h.store.listSigningKeys();
    const privateD = (JSON.parse(h.mfa.context.box.open(record!.privateJwkEnc, `signing-key:${record!.kid}`).toString('utf8')) as { d: string }).d;
    assert.equal(Buffer.from(privateD, 'base64url').length, 32);
    await h.mfa.close();
    secret = a.secret;
    lastClock = h.now();

    const raw = base32Decode(a.secret);
    assert.equal(raw.length, 20);
    const codes = a.recoveryCodes!;
    assert.equal(codes.length, 10);
    const needles: [string, Buffer][] = [
      ['base32 secret', Buffer.from(a.secret)],
      ['base32 secret (lower case)', Buffer.from(a.secret.toLowerCase())],
      ['secret hex', Buffer.from(raw.toString('hex'))],
      ['secret HEX', Buffer.from(raw.toString('hex').toUpperCase())],
      ['secret base64', Buffer.from(raw.toString('base64'))],
      ['secret base64url', Buffer.from(raw.toString('base64url'))],
      ['secret raw bytes', raw],
      ['private key d', Buffer.from(privateD)],
      ['private key raw bytes', Buffer.from(privateD, 'base64url')],
    ];
    for (const c of codes) {
      const canonical = normalizeRecoveryCode(c)!;
      needles.push([`recovery code ${c}`, Buffer.from(c)]);
      needles.push([`recovery code ${canonical}`, Buffer.from(canonical)]);
      needles.push([`recovery code ${canonical.toLowerCase()}`, Buffer.from(canonical.toLowerCase())]);
    }

    const files = readdirSync(dir).filter((f) => f.startsWith('mfa.db'));
    assert.ok(files.includes('mfa.db'), `files: ${files.join(', ')}`);
    const contents = files.map((f) => [f, readFileSync(join(dir, f))] as const);
    // Control: the rows really are in what we read (so the absence checks below mean something).
    const all = Buffer.concat(contents.map(([, b]) => b));
    assert.ok(all.includes(Buffer.from(a.factorId)), 'factor row found');
    assert.ok(all.includes(Buffer.from('v1.')), 'sealed values found');
    for (const [file, bytes] of contents) {
      for (const [what, needle] of needles) {
        assert.equal(bytes.indexOf(needle), -1, `${what} found in ${file}`);
      }
    }
  });

  test('the key file beside the database has mode 0600 and holds 32 bytes', () => {
    const keyFile = join(dir, 'mfa.key');
    assert.ok(existsSync(keyFile));
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.match(readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\n?$/);
  });

  test('reopened with the same key file, the sealed secret still opens and verifies', async () => {
    const key = readFileSync(join(dir, 'mfa.key'), 'utf8');
    const h = open();
    h.setClock(lastClock + STEP_MS);
    const factors = await h.listFactors(A);
    assert.equal(factors.factors.length, 1);
    assert.equal(factors.recoveryCodesLeft, 10);
    const res = await h.answer(A, PAY, h.code(secret));
    assert.equal(res.status, 200);
    await h.mfa.close();
    assert.equal(readFileSync(join(dir, 'mfa.key'), 'utf8'), key, 'the key file is reused, not replaced');
  });
});

describe('end-to-end on SQLite with a known secret', () => {
  test('verify, replay refused, and a restart keeps the replay mark', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfa-sqlite-'));
    const saved = process.env.MFA_ENCRYPTION_KEY;
    delete process.env.MFA_ENCRYPTION_KEY;
    try {
      const h1 = makeServer({ store: undefined, encryptionKey: undefined, dataDir: dir });
      const a = await h1.enrollTotp(A);
      h1.advance(STEP_MS);
      const code = h1.code(a.secret);
      assert.equal((await h1.answer(A, PAY, code)).status, 200);
      const at = h1.now();
      await h1.mfa.close();

      const h2 = makeServer({ store: undefined, encryptionKey: undefined, dataDir: dir });
      h2.setClock(at);
      await expectError(await h2.answer(A, PAY, code), 403, 'code_used');
      h2.advance(STEP_MS);
      assert.equal((await h2.answer(A, PAY, h2.code(a.secret))).status, 200);
      await h2.mfa.close();
    } finally {
      if (saved === undefined) delete process.env.MFA_ENCRYPTION_KEY;
      else process.env.MFA_ENCRYPTION_KEY = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SecretBox', () => {
  const box = new SecretBox(Buffer.alloc(32, 1));
  const plain = Buffer.from('12345678901234567890');

  test('opens with the same AAD; another AAD throws', () => {
    const sealed = box.seal(plain, 'totp:alice:f1');
    assert.deepEqual(box.open(sealed, 'totp:alice:f1'), plain);
    assert.throws(() => box.open(sealed, 'totp:alice:f2'));
    assert.throws(() => box.open(sealed, 'totp:bob:f1'));
    assert.throws(() => box.open(sealed, ''));
  });

  test('sealing twice gives different ciphertexts without the plaintext in them', () => {
    const s1 = box.seal(plain, 'x');
    const s2 = box.seal(plain, 'x');
    assert.notEqual(s1, s2);
    assert.ok(!s1.includes(plain.toString('base64url')) && !s1.includes(plain.toString('hex')));
  });

  test('another key, or any altered part, throws', () => {
    const sealed = box.seal(plain, 'aad');
    assert.throws(() => new SecretBox(Buffer.alloc(32, 2)).open(sealed, 'aad'));
    const parts = sealed.split('.');
    for (let i = 1; i < parts.length; i++) {
      const p = parts[i]!;
      const altered = [...parts];
      altered[i] = (p[0] === 'A' ? 'B' : 'A') + p.slice(1);
      assert.throws(() => box.open(altered.join('.'), 'aad'), `part ${i}`);
    }
    assert.throws(() => box.open('v2.' + parts.slice(1).join('.'), 'aad'));
    assert.throws(() => box.open('garbage', 'aad'));
  });

  test('keys must be 32 bytes; MFA_ENCRYPTION_KEY wins over the key file', () => {
    assert.throws(() => new SecretBox(Buffer.alloc(16)), RangeError);
    const dir = mkdtempSync(join(tmpdir(), 'mfa-key-'));
    try {
      const file = join(dir, 'sub', 'mfa.key');
      const hex = 'ab'.repeat(32);
      assert.deepEqual(loadOrCreateKey(file, hex), Buffer.from(hex, 'hex'));
      assert.equal(existsSync(file), false, 'no key file when the env key is set');
      const created = loadOrCreateKey(file, undefined);
      assert.equal(created.length, 32);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(loadOrCreateKey(file, undefined), created, 'read back, not regenerated');
      assert.throws(() => loadOrCreateKey(file, 'too-short'), RangeError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
