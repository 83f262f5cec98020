/**
 * Signing key rotation (docs/service.md "Key rotation"): the next key is published before it
 * signs, the old one stays published and accepted until its tokens have expired, all instances
 * on one store switch together, and an emergency rotation cuts old tokens off at once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
import { KEY_REFRESH_MS } from '../../src/server/tokens/signing-keys.js';
import { PUBLISH_AHEAD_MS } from '../../src/server/service/key-admin.js';
import { makeServer, type Harness } from './harness.js';

const ADMIN = 'rotation-admin-token-0123456789abcdef012345';
const A = 'alice';

const jwksKids = async (h: Harness) => ((await (await h.get('/mfa/jwks.json')).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
const rotate = async (h: Harness, immediate = false) => {
  const res = await h.request('POST', '/mfa/admin/keys/rotate', { body: { immediate }, headers: { authorization: `Bearer ${ADMIN}`, origin: null } });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { kid: string; activateAt: string; retiring: { kid: string; retireAt: string }[] };
};
const transfer = (h: Harness, token: string) => h.request('POST', '/api/transfer', { user: A, headers: { 'step-up-token': token } });

describe('key rotation', () => {
  test('publish ahead, switch at activation, keep the old key until its tokens expired, then drop it', async () => {
    const h = makeServer({ admin: { token: ADMIN } });
    const f = await h.enrollTotp(A);
    const old = (await h.stepUp(A, f.secret, 'payments', 'transfer')).token;
    const k1 = decodeProtectedHeader(old).kid!;
    assert.deepEqual(await jwksKids(h), [k1]);

    const r = await rotate(h);
    assert.notEqual(r.kid, k1);
    assert.deepEqual(r.retiring.map((x) => x.kid), [k1]);
    assert.deepEqual(await jwksKids(h), [k1, r.kid], 'the next key is published before it signs');

    // Until activation, tokens are still signed with k1.
    h.advance(PUBLISH_AHEAD_MS - 60_000);
    const late = (await h.stepUp(A, f.secret, 'payments', 'transfer')).token; // advances one step (30 s)
    assert.equal(decodeProtectedHeader(late).kid, k1);
    h.advance(60_000);
    const fresh = (await h.stepUp(A, f.secret, 'payments', 'transfer')).token;
    assert.equal(decodeProtectedHeader(fresh).kid, r.kid, 'the new key signs after activation');
    assert.equal((await transfer(h, late)).status, 200, 'a token signed by the old key just before the switch still works');
    assert.equal((await transfer(h, fresh)).status, 200);

    // After the old key's last token expired (+ the refresh slack), it is gone from JWKS and the guard.
    h.advance(300_000 + KEY_REFRESH_MS);
    assert.deepEqual(await jwksKids(h), [r.kid]);
  });

  test('immediate rotation: tokens of the old key are refused at once', async () => {
    const h = makeServer({ admin: { token: ADMIN } });
    const f = await h.enrollTotp(A);
    const old = (await h.stepUp(A, f.secret, 'payments', 'transfer')).token;
    const r = await rotate(h, true);
    assert.equal((await transfer(h, old)).status, 401);
    assert.deepEqual(await jwksKids(h), [r.kid]);
    const fresh = (await h.stepUp(A, f.secret, 'payments', 'transfer')).token;
    assert.equal(decodeProtectedHeader(fresh).kid, r.kid);
    assert.equal((await transfer(h, fresh)).status, 200);
  });

  test('another instance on the same store accepts the new key before its own refresh (unknown kid → re-read)', async () => {
    const store = new MemoryStore();
    const h1 = makeServer({ store, admin: { token: ADMIN } });
    const h2 = makeServer({ store });
    const f = await h1.enrollTotp(A);
    // h2 reads the key list 10 s after h1's clock; the rotation comes after that read.
    h2.setClock(h1.now() + 10_000);
    await h2.get('/mfa/jwks.json');
    await rotate(h1, true);
    const token = (await h1.stepUp(A, f.secret, 'payments', 'transfer')).token; // h1 is now 30 s later
    h2.setClock(h1.now());
    assert.ok(h2.now() - (h1.now() - 20_000) < KEY_REFRESH_MS, 'h2 would not re-read by age alone');
    assert.equal((await transfer(h2, token)).status, 200);
  });

  test('JWKS is cacheable: public max-age, ETag, 304 on If-None-Match, a new ETag after rotation', async () => {
    const h = makeServer({ admin: { token: ADMIN } });
    const first = await h.get('/mfa/jwks.json');
    assert.equal(first.headers.get('cache-control'), 'public, max-age=300');
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[\w-]+"$/);
    const again = await h.get('/mfa/jwks.json', undefined, { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
    await rotate(h);
    const after = await h.get('/mfa/jwks.json', undefined, { 'if-none-match': etag });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.get('etag'), etag);
    // The private API answers stay uncacheable.
    assert.equal((await h.get('/mfa/factors', A)).headers.get('cache-control'), 'no-store');
  });
});
