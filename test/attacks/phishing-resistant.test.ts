/**
 * Attack: a phished one-time code opens a route that demands a phishing-resistant step-up.
 * A look-alike site relays whatever the user types — a TOTP code, an SMS code, a recovery code —
 * so a route guarded with `requireStepUp({ acrValues: ['phr'] })` must accept only a passkey
 * assertion with user verification (origin-bound, not relayable), docs/server.md "Assurance levels".
 *
 * Each claim fails without the rule it pins: a token from a code (acr `mfa`) is refused by the
 * `phr` route; a `phr` challenge never offers or accepts a code, a recovery code or a fresh `mfa`
 * step-up; `manageAcr: 'phr'` refuses code-made management tokens. The positive side runs a real
 * passkey: Chromium's virtual authenticator (CDP WebAuthn), over HTTP, against the real server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright';
import { STEP_UP_HEADER } from '../../src/core/types.js';
import { Outbox } from '../../src/server/delivery/senders.js';
import { listen } from '../helpers/listen.js';
import { expectError, latestCode, makeServer, STEP_MS, type Harness } from '../server/harness.js';

const PAY = { resource: 'payments', action: 'transfer' };
const MANAGE = { resource: 'mfa', action: 'manage' };

/** The harness plus a route that demands `phr` and one that asks `mfa`, on the same scope. */
function setup(overrides: Parameters<typeof makeServer>[0] = {}) {
  const outbox = new Outbox();
  const h = makeServer({ sms: outbox, email: outbox, ...overrides });
  h.app.post('/api/phr-transfer', h.mfa.requireStepUp({ ...PAY, acrValues: ['phr'], reusable: true }), (c) => c.json({ ok: true, acr: c.get('stepUp').acr }));
  h.app.post('/api/mfa-transfer', h.mfa.requireStepUp({ ...PAY, reusable: true }), (c) => c.json({ ok: true, acr: c.get('stepUp').acr }));
  return { h, outbox };
}

const guarded = (h: Harness, path: string, user: string, token: string) => h.post(path, {}, user, { [STEP_UP_HEADER]: token });

async function refusedForPhr(h: Harness, user: string, token: string): Promise<void> {
  const res = await guarded(h, '/api/phr-transfer', user, token);
  assert.equal(res.status, 401, await res.clone().text());
  assert.match(res.headers.get('www-authenticate') ?? '', /acr_values="phr"/);
  assert.equal((await res.json()).acr_values, 'phr');
}

describe('attack: relayed codes on a phishing-resistant route', () => {
  it('a TOTP step-up token (acr mfa) is refused; the same token opens the mfa route', async () => {
    const { h } = setup();
    const { secret } = await h.enrollTotp('alice');
    const { token, acr } = await h.stepUp('alice', secret, PAY.resource, PAY.action);
    assert.equal(acr, 'mfa');
    await refusedForPhr(h, 'alice', token);
    assert.equal((await guarded(h, '/api/mfa-transfer', 'alice', token)).status, 200);
  });

  it('SMS, email and recovery-code tokens are refused', async () => {
    const { h, outbox } = setup();
    const phone = await h.post('/mfa/factors', { type: 'phone', phone: '+14155550123' }, 'bob');
    assert.equal(phone.status, 201);
    const { factorId } = await phone.json();
    const confirmed = await h.post(`/mfa/factors/${factorId}/confirm`, { code: latestCode(outbox, 'bob') }, 'bob');
    assert.equal(confirmed.status, 200);
    const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };

    const sms = await h.startChallenge('bob', { ...PAY, factorType: 'phone' });
    const bySms = await h.resume('bob', sms.challengeId, sms.challenges[0]!.guid, latestCode(outbox, 'bob'));
    assert.equal(bySms.status, 200);
    await refusedForPhr(h, 'bob', (await bySms.json()).token);

    const byRecovery = await h.answer('bob', { ...PAY, factorType: 'recovery' }, recoveryCodes[0]!);
    assert.equal(byRecovery.status, 200);
    await refusedForPhr(h, 'bob', (await byRecovery.json()).token);

    // Email: a factor added with an mfa/manage step-up, then used for the transfer.
    h.advance(STEP_MS);
    const manage = await h.answer('bob', { ...MANAGE, factorType: 'recovery' }, recoveryCodes[1]!);
    const manageToken = (await manage.json()).token as string;
    const email = await h.post('/mfa/factors', { type: 'email', email: 'bob@example.com' }, 'bob', { [STEP_UP_HEADER]: manageToken });
    assert.equal(email.status, 201, await email.clone().text());
    const emailId = (await email.json()).factorId as string;
    assert.equal((await h.post(`/mfa/factors/${emailId}/confirm`, { code: latestCode(outbox, 'bob') }, 'bob', { [STEP_UP_HEADER]: manageToken })).status, 200);
    const mail = await h.startChallenge('bob', { ...PAY, factorId: emailId });
    const byEmail = await h.resume('bob', mail.challengeId, mail.challenges[0]!.guid, latestCode(outbox, 'bob'));
    assert.equal(byEmail.status, 200);
    await refusedForPhr(h, 'bob', (await byEmail.json()).token);
  });

  it('a phr challenge offers no code: without a passkey it is not_enrolled; recovery or TOTP cannot be asked for', async () => {
    const { h } = setup();
    await h.enrollTotp('carol');
    const none = await expectError(await h.post('/mfa/challenges', { ...PAY, acr: 'phr' }, 'carol'), 409, 'not_enrolled');
    assert.match(none.error.message, /passkey/);
    await expectError(await h.post('/mfa/challenges', { ...PAY, acr: 'phr', factorType: 'recovery' }, 'carol'), 400, 'unsupported_factor');
    await expectError(await h.post('/mfa/challenges', { ...PAY, acr: 'phr', factorType: 'totp' }, 'carol'), 400, 'unsupported_factor');
    await expectError(await h.post('/mfa/challenges', { ...PAY, acr: 'aal3' }, 'carol'), 400, 'malformed_request');
  });

  it('freshness from a code step-up never answers a phr challenge', async () => {
    const { h } = setup({ freshness: {} });
    const { secret } = await h.enrollTotp('dave');
    await h.stepUp('dave', secret, PAY.resource, PAY.action);
    // The same scope, still fresh for mfa: silent VERIFIED for mfa, but phr asks (and dave has no passkey).
    assert.equal((await h.post('/mfa/challenges', PAY, 'dave')).status, 200);
    await expectError(await h.post('/mfa/challenges', { ...PAY, acr: 'phr' }, 'dave'), 409, 'not_enrolled');
  });

  it("manageAcr 'phr': a code-made mfa/manage token cannot add a factor", async () => {
    const { h } = setup({ manageAcr: 'phr' });
    const { secret } = await h.enrollTotp('erin'); // the first factor needs no step-up
    h.advance(STEP_MS);
    // The challenge for mfa/manage is raised to phr by the server, whatever the client asks.
    await expectError(await h.post('/mfa/challenges', { ...MANAGE, factorType: 'totp' }, 'erin'), 400, 'unsupported_factor');
    await expectError(await h.post('/mfa/challenges', MANAGE, 'erin'), 409, 'not_enrolled');
    // A management token from a code (minted under the default policy by the same keys) is refused.
    const lax = makeServer({ store: h.store, encryptionKey: Buffer.alloc(32, 7), now: h.now });
    h.advance(STEP_MS);
    lax.setClock(h.now());
    const res = await lax.answer('erin', MANAGE, lax.code(secret));
    assert.equal(res.status, 200);
    const refused = await h.post('/mfa/factors', { type: 'totp' }, 'erin', { [STEP_UP_HEADER]: (await res.json()).token });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /acr_values="phr"/);
  });

  it('a bad manageAcr stops start-up with one clear line', () => {
    assert.throws(() => makeServer({ manageAcr: 'aal3' as never }), /manageAcr must be one of mfa, phr/);
    assert.throws(() => makeServer({ manageAcr: 'phr', webauthn: false }), /manageAcr "phr" needs passkeys/);
  });
});

describe('a passkey made by Chromium opens the phr route', { timeout: 60_000 }, () => {
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };
  const { h } = setup();
  // The browser library's script build (its package exports only the module entry points).
  const swa = readFileSync(new URL('../../node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js', import.meta.url), 'utf8');
  h.app.get('/page', (c) => c.html('<!doctype html><title>phr</title><script src="/swa.js"></script>'));
  h.app.get('/swa.js', (c) => c.body(swa, 200, { 'content-type': 'text/javascript' }));

  before(async () => {
    server = await listen(h.app.fetch);
    browser = await chromium.launch({
      executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('passkey with user verification → acr phr → 200; its mfa step-up token stays mfa', async () => {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    // tsx (esbuild keepNames) wraps named functions in `__name(…)`, which the page lacks.
    await page.addInitScript('globalThis.__name = (f) => f');
    // WebAuthn refuses an IP address as RP ID: the page is served as localhost.
    await page.goto(`${server.url.replace('127.0.0.1', 'localhost')}/page`);
    const result = await page.evaluate(async (header) => {
      const W = (globalThis as any).SimpleWebAuthnBrowser;
      const call = async (path: string, body: unknown, token?: string) => {
        const res = await fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-test-user': 'pat', ...(token && { [header]: token }) },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() };
      };
      const stepUp = async (acr?: string) => {
        const ch = await call('/mfa/challenges', { resource: 'payments', action: 'transfer', ...(acr && { acr }) });
        const assertion = await W.startAuthentication({ optionsJSON: ch.body.challenges[0].publicKey });
        return { ch, done: await call(`/mfa/challenges/${ch.body.challengeId}/resume`, { answers: [{ guid: ch.body.challenges[0].guid, value: JSON.stringify(assertion) }] }) };
      };
      const enroll = await call('/mfa/factors', { type: 'webauthn' });
      const credential = await W.startRegistration({ optionsJSON: enroll.body.publicKey });
      const confirmed = await call(`/mfa/factors/${enroll.body.factorId}/confirm`, { credential });
      const plain = await stepUp();
      const plainOnPhr = await call('/api/phr-transfer', {}, plain.done.body.token);
      const strong = await stepUp('phr');
      const onPhr = await call('/api/phr-transfer', {}, strong.done.body.token);
      const onMfa = await call('/api/mfa-transfer', {}, strong.done.body.token);
      return { confirmed: confirmed.status, plain: plain.done.body, plainOnPhr, offered: strong.ch.body.factors, strong: strong.done.body, onPhr, onMfa };
    }, STEP_UP_HEADER);

    assert.equal(result.confirmed, 200);
    assert.equal(result.plain.acr, 'mfa');
    assert.equal(result.plainOnPhr.status, 401, 'a passkey used for an mfa step-up does not make a phr token');
    assert.deepEqual(result.offered.map((f: { type: string }) => f.type), ['webauthn'], 'a phr challenge lists passkeys only (no recovery codes)');
    assert.equal(result.strong.status, 'VERIFIED');
    assert.equal(result.strong.acr, 'phr');
    assert.ok(['hwk', 'swk'].includes(result.strong.amr[0]), String(result.strong.amr));
    assert.deepEqual(result.onPhr, { status: 200, body: { ok: true, acr: 'phr' } });
    assert.deepEqual(result.onMfa, { status: 200, body: { ok: true, acr: 'phr' } }, 'phr also satisfies a route that asks mfa');
  });
});
