/** The RFC 9470 guard and step-up tokens (docs/server.md "Step-up tokens and the guard"). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { SignJWT, createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWTHeaderParameters } from 'jose';
import { STEP_UP_TOKEN_TYPE } from '../../src/core/types.js';
import { parseStepUpChallenge } from '../../src/core/www-authenticate.js';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
import { expectError, makeServer, type Harness, outageStore } from './harness.js';
import { sessionClaim } from '../../src/server/session.js';

const A = 'alice';
const B = 'bob';
const STEP_UP_HEADER_RE = /^Bearer error="insufficient_user_authentication", acr_values="mfa", max_age=300$/;

const transfer = (h: Harness, user: string | undefined, token?: string, extra: Record<string, string> = {}) =>
  h.request('POST', '/api/transfer', { user, headers: { ...(token !== undefined && { 'step-up-token': token }), ...extra } });

/** Asserts the RFC 9470 answer for payments/transfer (or the given scope). */
/** `likely`: the user's first factor type, named as the prompt's hint (every user here has an app). */
async function expectStepUp(res: Response, scope = { resource: 'payments', action: 'transfer' }, maxAge = 300, likely: string | undefined = 'totp') {
  const header = res.headers.get('www-authenticate');
  const body = await expectError(res, 401, 'insufficient_user_authentication');
  assert.equal(header, `Bearer error="insufficient_user_authentication", acr_values="mfa", max_age=${maxAge}`);
  assert.deepEqual(body, {
    error: { code: 'insufficient_user_authentication', message: body.error.message },
    resource: scope.resource,
    action: scope.action,
    acr_values: 'mfa',
    max_age: maxAge,
    ...(likely && { likely_factor: likely }),
  });
}

async function setup() {
  const h = makeServer();
  const a = await h.enrollTotp(A);
  const b = await h.enrollTotp(B);
  const v = await h.stepUp(A, a.secret, 'payments', 'transfer');
  return { h, a, b, token: v.token, sid: v.sid };
}

/** Signs a token like the server would, with overrides; `omit` drops claims. */
async function forge(
  h: Harness,
  opts: { claims?: Record<string, unknown>; omit?: string[]; header?: Partial<JWTHeaderParameters>; key?: CryptoKey | Uint8Array; alg?: string } = {},
): Promise<string> {
  const keys = await h.mfa.context.keys();
  const nowS = Math.floor(h.now() / 1000);
  const sid = randomUUID();
  const payload: Record<string, unknown> = {
    iss: h.mfa.context.policy.token.issuer,
    aud: 'mfa-elements:step-up',
    sub: A,
    sid,
    jti: sid,
    ssn: sessionClaim({ sub: A, sessionId: 'default' }), // the harness's default app session
    resource: 'payments',
    action: 'transfer',
    acr: 'mfa',
    amr: ['otp'],
    auth_time: nowS,
    iat: nowS,
    exp: nowS + 300,
    ...opts.claims,
  };
  for (const k of opts.omit ?? []) delete payload[k];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: opts.alg ?? 'EdDSA', typ: STEP_UP_TOKEN_TYPE, kid: keys.kid, ...opts.header } as JWTHeaderParameters)
    .sign(opts.key ?? keys.privateKey);
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('requireStepUp', () => {
  test('no token → 401 with the exact RFC 9470 challenge and body', async () => {
    const { h } = await setup();
    const res = await transfer(h, A);
    const header = res.headers.get('www-authenticate') ?? '';
    assert.match(header, STEP_UP_HEADER_RE);
    assert.deepEqual(parseStepUpChallenge(header), {
      error: 'insufficient_user_authentication',
      acrValues: ['mfa'],
      maxAge: 300,
      params: { error: 'insufficient_user_authentication', acr_values: 'mfa', max_age: '300' },
    });
    await expectStepUp(res);
    await expectStepUp(await h.request('DELETE', '/api/account', { user: A }), { resource: 'account', action: 'delete' });
  });

  test('no session → plain 401 unauthenticated, no step-up details, even with a valid token', async () => {
    const { h, token } = await setup();
    for (const res of [await transfer(h, undefined), await transfer(h, undefined, token)]) {
      assert.equal(res.headers.get('www-authenticate'), null);
      const body = await expectError(res, 401, 'unauthenticated');
      assert.deepEqual(Object.keys(body), ['error']);
      assert.ok(!('resource' in body) && !('action' in body) && !('max_age' in body));
    }
  });

  test('a valid token → 200 once; the same token again → 401 (one-time by default)', async () => {
    const { h, token } = await setup();
    const res = await transfer(h, A, token);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
    await expectStepUp(await transfer(h, A, token));
    h.advance(10_000);
    await expectStepUp(await transfer(h, A, token));
  });

  test('a `reusable: true` route accepts the token again until it expires', async () => {
    const { h, token } = await setup();
    const again = () => h.request('POST', '/api/transfer-reusable', { user: A, headers: { 'step-up-token': token } });
    assert.equal((await again()).status, 200);
    h.advance(299_000);
    assert.equal((await again()).status, 200, 'one second before exp');
    h.advance(1000);
    // At exp: still inside the 30 s clock tolerance, and max_age (the lifetime) is not yet exceeded.
    assert.equal((await again()).status, 200, 'at exp');
    h.advance(1000);
    await expectStepUp(await again()); // max_age, which the tolerance never widens, ends it
  });

  test('expired (301 s later) → 401', async () => {
    const { h, token } = await setup();
    h.advance(301_000);
    await expectStepUp(await transfer(h, A, token));
  });

  test('another user presenting the token → 401', async () => {
    const { h, token } = await setup();
    await expectStepUp(await transfer(h, B, token));
  });

  test('a token for another resource/action → 401', async () => {
    const { h, token } = await setup();
    await expectStepUp(await h.request('DELETE', '/api/account', { user: A, headers: { 'step-up-token': token } }), { resource: 'account', action: 'delete' });
    await expectStepUp(await transfer(h, A, await forge(h, { claims: { action: 'refund' } })));
    await expectStepUp(await transfer(h, A, await forge(h, { claims: { resource: 'account' } })));
  });

  test('a forged token that matches every rule is accepted (control for the cases below)', async () => {
    const { h } = await setup();
    assert.equal((await transfer(h, A, await forge(h))).status, 200);
  });

  test('wrong audience or issuer (signed with the server key) → 401', async () => {
    const { h } = await setup();
    await expectStepUp(await transfer(h, A, await forge(h, { claims: { aud: 'someone-else' } })));
    await expectStepUp(await transfer(h, A, await forge(h, { claims: { aud: ['someone-else', 'another'] } })));
    await expectStepUp(await transfer(h, A, await forge(h, { claims: { iss: 'https://evil.example' } })));
  });

  test('alg none (unsigned) → 401', async () => {
    const { h, token } = await setup();
    const [, payload] = token.split('.');
    const unsigned = `${b64url({ alg: 'none', typ: STEP_UP_TOKEN_TYPE })}.${payload}.`;
    await expectStepUp(await transfer(h, A, unsigned));
    const noneWithKid = `${b64url({ alg: 'none', typ: STEP_UP_TOKEN_TYPE, kid: decodeProtectedHeader(token).kid })}.${payload}.`;
    await expectStepUp(await transfer(h, A, noneWithKid));
    // And a real signature moved onto an edited payload.
    const [header, , sig] = token.split('.');
    const edited = b64url({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: B });
    await expectStepUp(await transfer(h, B, `${header}.${edited}.${sig}`));
  });

  test('bad signature: one flipped character, or another Ed25519 key with the same kid → 401', async () => {
    const { h, token } = await setup();
    const [header, payload, sig] = token.split('.');
    const i = 20; // inside the signature, away from base64url padding bits
    const flipped = sig!.slice(0, i) + (sig![i] === 'A' ? 'B' : 'A') + sig!.slice(i + 1);
    assert.notEqual(flipped, sig);
    await expectStepUp(await transfer(h, A, `${header}.${payload}.${flipped}`));
    await expectStepUp(await transfer(h, A, `${header}.${payload}.`));
    await expectStepUp(await transfer(h, A, `${header}.${payload}`));

    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    await expectStepUp(await transfer(h, A, await forge(h, { key: other.privateKey })));
  });

  test('algorithm confusion: HS256 keyed with the public key → 401', async () => {
    const { h } = await setup();
    const jwk = await exportJWK((await h.mfa.context.keys()).publicKey);
    const secret = Buffer.from(jwk.x!, 'base64url');
    await expectStepUp(await transfer(h, A, await forge(h, { alg: 'HS256', key: secret })));
    await expectStepUp(await transfer(h, A, await forge(h, { alg: 'HS256', key: Buffer.from(JSON.stringify(jwk)) })));
  });

  test('wrong or missing typ → 401', async () => {
    const { h } = await setup();
    await expectStepUp(await transfer(h, A, await forge(h, { header: { typ: 'JWT' } })));
    await expectStepUp(await transfer(h, A, await forge(h, { header: { typ: 'at+jwt' } })));
    await expectStepUp(await transfer(h, A, await forge(h, { header: { typ: undefined } })));
  });

  test('missing or ill-typed claims → 401', async () => {
    const { h } = await setup();
    for (const claim of ['sub', 'jti', 'sid', 'ssn', 'resource', 'action', 'acr', 'amr', 'auth_time', 'iat', 'exp', 'iss', 'aud']) {
      await assert.doesNotReject(expectStepUp(await transfer(h, A, await forge(h, { omit: [claim] }))), `without ${claim}`);
    }
    const bad: Record<string, unknown>[] = [
      { acr: 'kba' },
      { acr: ['mfa'] },
      { amr: 'otp' },
      { auth_time: String(Math.floor(h.now() / 1000)) },
      { exp: String(Math.floor(h.now() / 1000) + 300) },
      { sub: B },
      { ssn: sessionClaim({ sub: A, sessionId: 'another' }) },
      { ssn: 'default' },
      { resource: ['payments'] },
    ];
    for (const claims of bad) {
      await assert.doesNotReject(expectStepUp(await transfer(h, A, await forge(h, { claims }))), JSON.stringify(claims));
    }
  });

  test('garbage tokens → 401, never 5xx', async () => {
    const { h } = await setup();
    for (const t of ['', ' ', 'x', 'a.b.c', '...', 'Bearer x', 'eyJ.eyJ.x', '%00', 'é'.repeat(10), 'a'.repeat(8000)]) {
      const res = await transfer(h, A, t);
      assert.equal(res.status, 401, JSON.stringify(t.slice(0, 20)));
      assert.match(res.headers.get('www-authenticate') ?? '', STEP_UP_HEADER_RE);
    }
  });

  test('auth_time older than max_age → 401 even when the token itself is fresh', async () => {
    const { h } = await setup();
    const nowS = Math.floor(h.now() / 1000);
    await expectStepUp(await transfer(h, A, await forge(h, { claims: { auth_time: nowS - 301 } })));
    assert.equal((await transfer(h, A, await forge(h, { claims: { auth_time: nowS - 299 } }))).status, 200);
  });

  test('a route with maxAge: 60 refuses a 2-minute-old token that other routes still accept', async () => {
    const { h, a } = await setup();
    const fresh = await h.stepUp(A, a.secret, 'payments', 'transfer');
    h.advance(120_000);
    await expectStepUp(await h.request('POST', '/api/recent-transfer', { user: A, headers: { 'step-up-token': fresh.token } }), undefined, 60);
    assert.equal((await transfer(h, A, fresh.token)).status, 200);
  });

  test('a token of another server (own key) → 401', async () => {
    const { h } = await setup();
    const other = makeServer();
    const o = await other.enrollTotp(A);
    const foreign = await other.stepUp(A, o.secret, 'payments', 'transfer');
    h.setClock(other.now());
    await expectStepUp(await transfer(h, A, foreign.token));
  });

  test('checkStepUp (framework-free) gives the same verdicts', async () => {
    const { h, token } = await setup();
    const req = (headers: Record<string, string>) => new Request('http://localhost/x', { method: 'POST', headers });
    const ok = await h.mfa.checkStepUp(req({ 'x-test-user': A, 'step-up-token': token }), { resource: 'payments', action: 'transfer' });
    assert.equal(ok.ok, true);
    if (ok.ok) {
      assert.equal(ok.user.sub, A);
      assert.equal(ok.claims.resource, 'payments');
      assert.equal(ok.claims.sub, A);
    }
    const refused = await h.mfa.checkStepUp(req({ 'x-test-user': B, 'step-up-token': token }), { resource: 'payments', action: 'transfer' });
    assert.equal(refused.ok, false);
    if (!refused.ok) await expectStepUp(refused.response);
  });
});

describe('store outage at the guard', () => {
  test('keys unavailable → 503 unavailable (fail closed), and the guard recovers when the store is back', async () => {
    let down = true;
    const real = new MemoryStore();
    const store = outageStore(real, () => down);
    const h = makeServer({ store });
    const donor = makeServer({ store: real });
    const a = await donor.enrollTotp(A); // writes the signing key into the shared store behind the proxy
    const v = await donor.stepUp(A, a.secret, 'payments', 'transfer');
    h.setClock(donor.now());
    // Without a token nothing needs the store: the ordinary step-up challenge (without the
    // factor hint, which the store would have told).
    await expectStepUp(await transfer(h, A), undefined, undefined, '');
    const res = await transfer(h, A, v.token);
    assert.equal(res.headers.get('www-authenticate'), null);
    await expectError(res, 503, 'unavailable');
    const verdict = await h.mfa.checkStepUp(new Request('http://localhost/x', { headers: { 'x-test-user': A, 'step-up-token': v.token } }), { resource: 'payments', action: 'transfer' });
    assert.equal(verdict.ok, false);
    if (!verdict.ok) await expectError(verdict.response, 503, 'unavailable');
    down = false;
    assert.equal((await transfer(h, A, v.token)).status, 200);
  });
});

describe('signing keys', () => {
  test('JWKS: one OKP Ed25519 public key with kid that verifies issued tokens', async () => {
    const { h, token } = await setup();
    const res = await h.get('/mfa/jwks.json'); // no session needed
    assert.equal(res.status, 200);
    const jwks = (await res.json()) as { keys: Record<string, unknown>[] };
    assert.equal(jwks.keys.length, 1);
    const key = jwks.keys[0]!;
    assert.equal(key.kty, 'OKP');
    assert.equal(key.crv, 'Ed25519');
    assert.equal(typeof key.x, 'string');
    assert.equal(key.kid, decodeProtectedHeader(token).kid);
    assert.equal(key.d, undefined, 'no private part');
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks as any), {
      algorithms: ['EdDSA'],
      issuer: h.mfa.context.policy.token.issuer,
      audience: 'mfa-elements:step-up',
      typ: STEP_UP_TOKEN_TYPE,
      currentDate: new Date(h.now()),
    });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.equal(payload.sub, A);
    // A token signed by another key with the same kid does not verify against it.
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    await assert.rejects(jwtVerify(await forge(h, { key: other.privateKey }), createLocalJWKSet(jwks as any), { currentDate: new Date(h.now()) }));
  });

  test('two servers on one store share the signing key: a token from one is accepted by the other', async () => {
    const store = new MemoryStore();
    const s1 = makeServer({ store });
    const s2 = makeServer({ store });
    const a = await s1.enrollTotp(A);
    const v = await s1.stepUp(A, a.secret, 'payments', 'transfer');
    s2.setClock(s1.now());
    const res = await transfer(s2, A, v.token);
    assert.equal(res.status, 200);
    assert.deepEqual(await (await s1.get('/mfa/jwks.json')).json(), await (await s2.get('/mfa/jwks.json')).json());
    // And the other way round, verifying on the server that issued the factor.
    s2.advance(30_000);
    s1.setClock(s2.now());
    const v2 = await s2.answer(A, { resource: 'payments', action: 'transfer' }, s2.code(a.secret));
    assert.equal(v2.status, 200);
    assert.equal((await transfer(s1, A, ((await v2.json()) as { token: string }).token)).status, 200);
    assert.equal((await store.listSigningKeys()).length, 1);
  });
});
