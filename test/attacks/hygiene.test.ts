/**
 * Security review items 3–6: what an attacker with a database dump, a position on the network or
 * a captured webhook can (no longer) do, and what the logs and docs say.
 *  - SecretBox refuses GCM tags cut short (a 4-byte tag would make forgeries 2^32 tries away);
 *  - recovery codes are stored as a keyed MAC bound to the user: a dump holds no sha256(code),
 *    and a user's stored value does not work for another user; legacy SHA-256 sets still work
 *    (once per code) until the next regeneration;
 *  - `webhookSender` never follows a redirect (a 307 would re-POST the code elsewhere);
 *  - a failing notice email is logged by error name, never by the provider's text;
 *  - an audit webhook's `MFA-Webhook-Id` is signed: a captured delivery replayed under a new id
 *    is refused, so receivers can dedupe on the header;
 *  - docs/server.md states the real status of unexpected errors (503).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { normalizeRecoveryCode } from '../../src/core/code-format.js';
import { SecretBox } from '../../src/server/crypto/secret-box.js';
import { Outbox, SqliteStore, signWebhook, verifyWebhookSignature, webhookSender, type EmailMessage, type WebhookPayload } from '../../src/server/index.js';
import { expectError, latestCode, makeServer, outageStore } from '../server/harness.js';
import { startReceiver, type Receiver } from '../server/webhook-receiver.js';

const PAY = { resource: 'payments', action: 'transfer' };
const RECOVERY = { ...PAY, factorType: 'recovery' };
const sha256 = (code: string) => createHash('sha256').update(normalizeRecoveryCode(code)!).digest('hex');

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('SecretBox: only full 16-byte GCM tags', () => {
  const box = new SecretBox(randomBytes(32));
  const aad = 'alice:factor-1';
  const sealed = box.seal(Buffer.from('JBSWY3DPEHPK3PXP'), aad);
  const withTag = (tag: Buffer) => {
    const [v, iv, , body] = sealed.split('.');
    return [v, iv, tag.toString('base64url'), body].join('.');
  };
  const tag = Buffer.from(sealed.split('.')[2]!, 'base64url');

  test('the full tag opens', () => {
    assert.equal(tag.length, 16);
    assert.equal(box.open(sealed, aad).toString(), 'JBSWY3DPEHPK3PXP');
  });

  test('the real tag cut to 4, 8 or 12 bytes does not open', () => {
    for (const n of [4, 8, 12, 15]) assert.throws(() => box.open(withTag(tag.subarray(0, n)), aad), `tag of ${n} bytes`);
  });

  test('a longer tag does not open either', () => {
    assert.throws(() => box.open(withTag(Buffer.concat([tag, Buffer.alloc(1)])), aad));
  });
});

describe('recovery codes: keyed MAC bound to the user, legacy hashes still accepted once', () => {
  test('a database dump holds no sha256(code) of new codes, at first enrollment and after regeneration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfa-rc-'));
    const store = new SqliteStore({ path: join(dir, 'mfa.db') });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const h = makeServer({ store });
    const { secret, recoveryCodes } = await h.enrollTotp('alice');
    assert.equal(recoveryCodes?.length, 10);
    // Regenerate (needs a step-up for mfa/manage): a second set, stored the same way.
    const { token } = await h.stepUp('alice', secret, 'mfa', 'manage');
    const regen = await h.post('/mfa/recovery-codes', {}, 'alice', { 'step-up-token': token });
    assert.equal(regen.status, 201, await regen.clone().text());
    const second = ((await regen.json()) as { recoveryCodes: string[] }).recoveryCodes;
    await h.mfa.close();

    const dump = readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('\n');
    for (const code of [...recoveryCodes!, ...second]) {
      const canonical = normalizeRecoveryCode(code)!;
      assert.ok(!dump.includes(sha256(code)), `sha256 of ${code} is in the database`);
      assert.ok(!dump.includes(canonical) && !dump.includes(code), 'nor the code itself');
    }
  });

  test('the stored value is bound to its user: the same row under another user matches nothing', async () => {
    const h = makeServer();
    const { recoveryCodes } = await h.enrollTotp('alice');
    await h.enrollTotp('bob');
    const code = recoveryCodes![0]!;
    // Nothing stored answers to the plain hash (the store is asked directly: true would mean found).
    assert.equal(await h.store.consumeRecoveryCode('alice', sha256(code), h.now()), false);
    // Alice's stored value moved to bob (a tampered row) does not let bob in with alice's code.
    const aliceMac = h.mfa.context.box.mac(`recovery:alice:${normalizeRecoveryCode(code)}`);
    await h.store.replaceRecoveryCodes('bob', [aliceMac]);
    await expectError(await h.answer('bob', RECOVERY, code), 403, 'invalid_code');
    // Alice's own code works, once.
    assert.equal((await h.answer('alice', RECOVERY, code)).status, 200);
    await expectError(await h.answer('alice', RECOVERY, code), 403, 'invalid_code');
  });

  test('a set stored as legacy SHA-256 keeps working, each code once, until the next regeneration', async () => {
    const h = makeServer();
    const { secret } = await h.enrollTotp('alice');
    // Codes as a previous version stored them: base32 letters, unsalted SHA-256 of the canonical form.
    const codes = ['abcd-efgh-ijkl-mnop', 'qrst-uvwx-yz23-4567', 'aaaa-bbbb-cccc-dddd'];
    await h.store.replaceRecoveryCodes('alice', codes.map(sha256));
    assert.equal((await h.listFactors('alice')).recoveryCodesLeft, 3);

    const ok = await h.answer('alice', RECOVERY, codes[0]!);
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.deepEqual(((await ok.json()) as { amr: string[] }).amr, ['rec']);
    await expectError(await h.answer('alice', RECOVERY, codes[0]!), 403, 'invalid_code');
    assert.equal((await h.listFactors('alice')).recoveryCodesLeft, 2);
    // Another user cannot use alice's legacy codes.
    await h.enrollTotp('bob');
    await expectError(await h.answer('bob', RECOVERY, codes[1]!), 403, 'invalid_code');

    // After a regeneration the legacy codes are gone.
    const { token } = await h.stepUp('alice', secret, 'mfa', 'manage');
    assert.equal((await h.post('/mfa/recovery-codes', {}, 'alice', { 'step-up-token': token })).status, 201);
    await expectError(await h.answer('alice', RECOVERY, codes[1]!), 403, 'invalid_code');
  });
});

describe('webhookSender never follows a redirect', () => {
  test('a receiver answering 307 → the send fails; nothing reaches the redirect target', async () => {
    const SECRET = 'sender_secret_0123456789abcdef';
    const target = await startReceiver({ secret: SECRET, now: () => Date.now() });
    cleanups.push(() => target.close());
    let hits = 0;
    const redirector = createServer((req, res) => {
      hits++;
      req.resume();
      req.on('end', () => res.writeHead(307, { location: `${target.url}?stolen=1` }).end());
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => redirector.close(() => resolve())));
    const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook?token=sk_live_SECRET`;

    const sender = webhookSender({ url, secret: SECRET });
    const err = await sender.sendSms({ to: '+15551234567', channel: 'sms', text: '123456 is your code.', code: '123456', sub: 'alice' }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof Error, 'the send rejected');
    assert.match(err.message, /307/);
    assert.ok(!err.message.includes('sk_live_SECRET') && !err.message.includes(target.url), 'neither URL in the error');
    assert.equal(hits, 1);
    assert.equal(target.requests.length, 0, 'the code was not re-sent to the Location');

    // Through the server: the user sees deliveryFailed, as for any failed send.
    const h = makeServer({ sms: sender });
    h.mfa.context.logger = { warn: () => {} };
    const res = await h.post('/mfa/factors', { type: 'phone', phone: '+15551234567' }, 'alice');
    assert.equal(res.status, 201);
    assert.equal(((await res.json()) as { deliveryFailed?: boolean }).deliveryFailed, true);
    assert.equal(target.requests.length, 0);
  });
});

describe('notices: provider errors are logged by name only', () => {
  test("a failing notice email does not put the provider's text (with the address) in the log", async () => {
    const outbox = new Outbox();
    const ADDRESS = 'anna.secret@example.com';
    // Codes go through; notices (no code) fail with a message quoting the address, as SMTP errors do.
    const email = {
      async sendEmail(m: EmailMessage) {
        if (!m.code) throw new Error(`550 5.1.1 <${m.to}>: mailbox unavailable`);
        await outbox.sendEmail(m);
      },
    };
    const h = makeServer({ email });
    const warnings: string[] = [];
    h.mfa.context.logger = { warn: (m) => void warnings.push(m) };
    const enrolled = await h.post('/mfa/factors', { type: 'email', email: ADDRESS }, 'alice');
    assert.equal(enrolled.status, 201);
    const { factorId } = (await enrolled.json()) as { factorId: string };
    const confirm = await h.post(`/mfa/factors/${factorId}/confirm`, { code: latestCode(outbox, 'alice') }, 'alice');
    const { recoveryCodes } = (await confirm.json()) as { recoveryCodes: string[] };
    // Using a recovery code sends a notice (in the background) to the email factor.
    assert.equal((await h.answer('alice', RECOVERY, recoveryCodes[0]!)).status, 200);
    for (let i = 0; i < 1000 && !warnings.some((w) => w.includes('notice')); i++) await new Promise((r) => setImmediate(r));
    const notice = warnings.filter((w) => w.includes('notice'));
    assert.ok(notice.length > 0, `a notice failure was logged: ${JSON.stringify(warnings)}`);
    for (const w of warnings) {
      assert.ok(!w.includes(ADDRESS) && !w.includes('mailbox unavailable'), w);
      assert.match(w, /\(Error\)|Error/);
    }
  });
});

describe('audit webhooks sign MFA-Webhook-Id', () => {
  test('a captured delivery replayed under another id is refused; the untouched one still verifies', async () => {
    const SECRET = 'whsec_hygiene_0123456789abcdef0123';
    let h!: ReturnType<typeof makeServer>;
    const receiver: Receiver = await startReceiver({ secret: SECRET, now: () => h.now() });
    cleanups.push(() => receiver.close());
    h = makeServer({ audit: { webhooks: [{ url: receiver.url, secret: SECRET, backoffMs: 5 }] } });
    const { secret } = await h.enrollTotp('alice');
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403, 'invalid_code');
    assert.ok(await h.mfa.context.audit.flush(10_000));
    const [orig] = receiver.requests;
    assert.ok(orig && orig.valid, 'the delivery verifies');
    const id = orig.headers['mfa-webhook-id'] as string;
    assert.equal(id, (JSON.parse(orig.body) as WebhookPayload).id);
    const headers = {
      'mfa-webhook-id': id,
      'mfa-webhook-timestamp': orig.headers['mfa-webhook-timestamp'] as string,
      'mfa-webhook-signature': orig.headers['mfa-webhook-signature'] as string,
    };
    assert.match(headers['mfa-webhook-signature'], /^v2=[0-9a-f]{64}$/);
    assert.equal(
      headers['mfa-webhook-signature'],
      signWebhook({ secret: SECRET, body: orig.body, timestamp: headers['mfa-webhook-timestamp'], id }),
    );

    assert.equal(await receiver.send(orig.body, headers), 204, 'the same delivery again (receivers dedupe on the id)');
    const fresh = 'b1946ac9-2f0e-4c2c-9e4b-0e1c7d5f4a11';
    assert.equal(await receiver.send(orig.body, { ...headers, 'mfa-webhook-id': fresh }), 401, 'a new id is refused');
    const { 'mfa-webhook-id': _dropped, ...noId } = headers;
    assert.equal(await receiver.send(orig.body, noId), 401, 'without the id it does not pass as a v1 message either');

    // Nor does a webhookSender message (v1, same secret) pass as an audit delivery with an id added.
    const ts = headers['mfa-webhook-timestamp'];
    const v1 = signWebhook({ secret: SECRET, body: orig.body, timestamp: ts });
    assert.equal(verifyWebhookSignature({ secret: SECRET, body: orig.body, timestamp: ts, signature: v1, id, now: h.now() }), false);
    assert.equal(verifyWebhookSignature({ secret: SECRET, body: orig.body, timestamp: ts, signature: v1, now: h.now() }), true);
    await h.mfa.close();
  });
});

describe('docs/server.md: unexpected errors', () => {
  test('an unexpected failure answers 503 unavailable, and the doc says so', async () => {
    let down = false;
    const h = makeServer();
    await h.enrollTotp('alice');
    const broken = makeServer({ store: outageStore(h.store, () => down) });
    down = true;
    await expectError(await broken.post('/mfa/challenges', PAY, 'alice'), 503, 'unavailable');
    const doc = readFileSync(new URL('../../docs/server.md', import.meta.url), 'utf8');
    assert.doesNotMatch(doc, /generic 500/);
    assert.match(doc, /unexpected[\s\S]{0,80}503/);
  });
});
