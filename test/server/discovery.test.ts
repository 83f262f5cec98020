/** Discovery, the default issuer, `Authorization: Bearer` for guards, and 404 before any session. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMfaServer } from '../../src/server/mfa-server.js';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
import { expectError, makeServer } from './harness.js';

const A = 'alice';

describe('discovery document', () => {
  test('names issuer, keys, token shape and the guard defaults; no session needed', async () => {
    const h = makeServer({ admin: { token: 'x'.repeat(32) }, kba: { questions: () => null } });
    const res = await h.get('/mfa/.well-known/mfa-configuration');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    const d = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(d, {
      issuer: h.mfa.context.policy.token.issuer,
      jwks_uri: 'http://localhost/mfa/jwks.json',
      introspection_endpoint: 'http://localhost/mfa/introspect',
      introspection_endpoint_auth_methods_supported: ['bearer'],
      acr_values_supported: ['mfa', 'phr', 'kba'],
      amr_values_supported: ['otp', 'rec', 'hwk', 'swk', 'kba'],
      token_type: 'mfa-step-up+jwt',
      token_header: 'Step-Up-Token',
      token_authorization_bearer: false,
      token_audience: 'mfa-elements:step-up',
      token_signing_alg_values_supported: ['EdDSA', 'Ed25519'],
      token_lifetime: 300,
      default_max_age: 300,
      openapi_uri: 'http://localhost/mfa/openapi.json',
    });
  });

  test('publicUrl fixes the absolute URLs; without server API there is no introspection endpoint', async () => {
    const h = makeServer({ publicUrl: 'https://mfa.example.com/mfa/' });
    const d = (await (await h.get('/mfa/.well-known/mfa-configuration')).json()) as Record<string, unknown>;
    assert.equal(d.jwks_uri, 'https://mfa.example.com/mfa/jwks.json');
    // Without passkeys there is no phishing-resistant level to offer.
    const off = makeServer({ webauthn: false });
    assert.deepEqual(((await (await off.get('/mfa/.well-known/mfa-configuration')).json()) as Record<string, unknown>).acr_values_supported, ['mfa']);
    assert.equal(d.introspection_endpoint, undefined);
    assert.equal((await h.post('/mfa/introspect', { token: 'x' })).status, 404);
  });
});

describe('default issuer', () => {
  test('install-specific: derived from the encryption key, the same on every instance sharing it', () => {
    const make = (byte: number) => createMfaServer({ store: new MemoryStore(), encryptionKey: Buffer.alloc(32, byte), authenticate: () => null, origins: ['http://localhost'] });
    const a = make(1).context.policy.token.issuer;
    assert.match(a, /^urn:mfa-elements:[0-9a-f]{24}$/);
    assert.equal(make(1).context.policy.token.issuer, a);
    assert.notEqual(make(2).context.policy.token.issuer, a);
    assert.equal(createMfaServer({ store: new MemoryStore(), encryptionKey: Buffer.alloc(32, 1), authenticate: () => null, origins: ['http://x'], issuer: 'https://mfa.example' }).context.policy.token.issuer, 'https://mfa.example');
  });
});

describe('Authorization: Bearer for guards', () => {
  test('off by default; with acceptBearer the guard takes the token from Authorization too', async () => {
    for (const acceptBearer of [false, true]) {
      const h = makeServer({ acceptBearer });
      const f = await h.enrollTotp(A);
      const { token } = await h.stepUp(A, f.secret, 'payments', 'transfer');
      // The reusable route: one token for all three requests (the default route would spend it).
      const route = '/api/transfer-reusable';
      const res = await h.request('POST', route, { user: A, headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, acceptBearer ? 200 : 401, `acceptBearer ${acceptBearer}`);
      // Step-Up-Token still works, and wins over Authorization.
      const both = await h.request('POST', route, { user: A, headers: { 'step-up-token': token, authorization: 'Bearer garbage' } });
      assert.equal(both.status, 200);
      const other = await h.request('POST', route, { user: A, headers: { authorization: `Basic ${Buffer.from(`a:${token}`).toString('base64')}` } });
      assert.equal(other.status, 401);
    }
  });
});

describe('unknown /mfa paths', () => {
  test('are 404 without a session, before any session check', async () => {
    const h = makeServer();
    for (const path of ['/mfa/nope', '/mfa/.well-known/openid-configuration', '/mfa/token/introspect', '/mfa/admin/users/a/factors']) {
      await expectError(await h.get(path), 404, 'not_found');
    }
    await expectError(await h.post('/mfa/tokens/consume', {}), 404, 'not_found');
    // A known path still asks for the session first.
    await expectError(await h.get('/mfa/factors'), 401, 'unauthenticated');
  });
});
