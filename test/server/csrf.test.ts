/**
 * CSRF (docs/server.md "HTTP protocol", docs/security.md): what another site can make a signed-in victim's browser
 * send, and proof that none of it changes anything.
 *
 * Each state-changing endpoint gets a request that is valid in every respect (victim's session,
 * the right body, a genuine step-up token where one is needed) except the one thing under test:
 * the Origin, or a content type an HTML form can send cross-site without a CORS preflight. Each
 * must be refused (403 `forbidden_origin` / 415 `unsupported_media_type`) without a single store
 * write; then the same request with the right Origin and `application/json` succeeds, which proves
 * that the refusal came from the rule under test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MfaServerOptions } from '../../src/server/config.js';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
import type { MfaStore } from '../../src/server/stores/store.js';
import { ORIGIN, STEP_MS, expectError, makeServer, type Harness } from './harness.js';

const V = 'victim';
const APP_ORIGIN = 'https://app.example';

/** Store methods that change data; a refused request must call none of them. */
const WRITES = new Set([
  'insertFactor', 'confirmFactor', 'renameFactor', 'deleteFactor', 'deletePendingFactors', 'advanceLastStep',
  'recordFailure', 'resetFailures', 'replaceRecoveryCodes', 'consumeRecoveryCode', 'deleteRecoveryCodes',
  'insertChallenge', 'deleteChallenge', 'deleteExpiredChallenges', 'putFreshness', 'clearFreshness',
  'getOrInsertSigningKey', 'appendAuditEvent',
]);

function recordingStore(): { store: MfaStore; writes: string[] } {
  const real = new MemoryStore();
  const writes: string[] = [];
  const store = new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (WRITES.has(String(prop))) writes.push(String(prop));
        return value.apply(target, args);
      };
    },
  });
  return { store, writes };
}

/**
 * The victim: one confirmed TOTP factor with recovery codes, a fresh mfa/manage step-up (token and
 * freshness record), a pending second factor and an open payments/transfer challenge. The clock then
 * moves one step, so the current code is unspent: every request below would succeed but for the
 * rule under test. `h` is the server under test (optionally with its own `origins`), sharing store
 * and clock with the harness that set the victim up.
 */
async function setup(options: Partial<MfaServerOptions> = {}) {
  const { store, writes } = recordingStore();
  const base = makeServer({ store, freshness: {} });
  const a = await base.enrollTotp(V);
  const manage = await base.stepUp(V, a.secret, 'mfa', 'manage');
  const pendingRes = await base.post('/mfa/factors', { type: 'totp', label: 'Second' }, V, { 'step-up-token': manage.token });
  assert.equal(pendingRes.status, 201);
  const pending = (await pendingRes.json()) as { factorId: string; secret: string };
  const ch = await base.startChallenge(V, { resource: 'payments', action: 'transfer' });
  base.advance(STEP_MS);
  const h = Object.keys(options).length ? makeServer({ store, freshness: {}, ...options }) : base;
  h.setClock(base.now());
  assert.ok((await store.listFreshness(V, 'default', h.now())).length > 0, 'the victim has a fresh step-up to forget');

  const endpoints: Endpoint[] = [
    { name: 'POST /mfa/factors', method: 'POST', path: '/mfa/factors', body: { type: 'totp' }, token: manage.token, ok: 201 },
    { name: 'POST /mfa/factors/:id/confirm', method: 'POST', path: `/mfa/factors/${pending.factorId}/confirm`, body: { code: h.code(pending.secret) }, token: manage.token, ok: 200 }, // a second factor: mfa/manage at confirmation too
    { name: 'PATCH /mfa/factors/:id', method: 'PATCH', path: `/mfa/factors/${a.factorId}`, body: { label: 'Renamed by evil.example' }, ok: 200 },
    { name: 'DELETE /mfa/factors/:id', method: 'DELETE', path: `/mfa/factors/${a.factorId}`, body: undefined, token: manage.token, ok: 204 },
    { name: 'POST /mfa/recovery-codes', method: 'POST', path: '/mfa/recovery-codes', body: undefined, token: manage.token, ok: 201 },
    { name: 'POST /mfa/challenges', method: 'POST', path: '/mfa/challenges', body: { resource: 'payments', action: 'transfer' }, ok: 201 },
    {
      name: 'POST /mfa/challenges/:id/resume',
      method: 'POST',
      path: `/mfa/challenges/${ch.challengeId}/resume`,
      body: { answers: [{ guid: ch.challenges[0]!.guid, value: h.code(a.secret) }] },
      ok: 200,
    },
    { name: 'DELETE /mfa/session', method: 'DELETE', path: '/mfa/session', body: undefined, ok: 204 },
    { name: 'POST /mfa/audit', method: 'POST', path: '/mfa/audit', body: { tag: 'csrf.probe', severity: 'high', status: 'success' }, ok: 204 },
  ];

  /** Everything an observer of the victim's data could see, plus what the store holds. */
  const snapshot = async () => ({
    listed: await (await h.get('/mfa/factors', V)).json(),
    factors: await store.listFactors(V),
    recoveryCodesLeft: await store.countRecoveryCodes(V),
    failures: await Promise.all([a.factorId, pending.factorId, 'recovery'].map((k) => store.getFailureState(V, k))),
    challenge: await store.getChallenge(ch.challengeId),
    freshness: await store.listFreshness(V, 'default', h.now()),
    audit: await store.listAuditEvents(V, 10_000),
    keys: await store.listSigningKeys(),
  });
  return { h, store, writes, endpoints, snapshot };
}

interface Endpoint {
  name: string;
  method: string;
  path: string;
  /** JSON body; undefined for endpoints that take none. */
  body: unknown;
  /** Step-up token the endpoint needs (mfa/manage). */
  token?: string;
  /** Status of the same request when it is legitimate. */
  ok: number;
}

/** The endpoint's request as the app itself would send it, with `headers` on top (null removes). */
function send(h: Harness, e: Endpoint, headers: Record<string, string | null> = {}, raw?: string) {
  const body = raw ?? (e.body === undefined ? undefined : JSON.stringify(e.body));
  return h.request(e.method, e.path, {
    user: V,
    ...(body !== undefined && { raw: body }),
    headers: { origin: ORIGIN, ...(body !== undefined && { 'content-type': 'application/json' }), ...(e.token && { 'step-up-token': e.token }), ...headers },
  });
}

/** Runs the refused variants, checks "nothing written, nothing changed", then the legitimate control. */
async function refusedThenControl(
  s: Awaited<ReturnType<typeof setup>>,
  e: Endpoint,
  variants: [string, () => Promise<Response>, number, string][],
  control: () => Promise<Response>,
) {
  const before = await s.snapshot();
  for (const [name, run, status, code] of variants) {
    s.writes.length = 0;
    const res = await run();
    await assert.doesNotReject(expectError(res, status, code), `${e.name} with ${name}`);
    assert.deepEqual(s.writes, [], `${e.name} with ${name}: refused but wrote ${s.writes.join(', ')}`);
  }
  assert.deepEqual(await s.snapshot(), before, `${e.name}: data changed by refused requests`);
  s.writes.length = 0;
  const res = await control();
  assert.equal(res.status, e.ok, `${e.name} control (legitimate request) must succeed: ${res.status} ${await res.clone().text()}`);
  // The legitimate request does write, so "no write" above is a real difference.
  assert.ok(s.writes.length > 0, `${e.name}: the legitimate control wrote nothing`);
}

/** Origins that are not the server's own http://localhost. */
const BAD_ORIGINS: [string, string | null][] = [
  ['a foreign Origin', 'https://evil.example'],
  ['a null Origin (sandboxed iframe, data: URL)', 'null'],
  ['no Origin', null],
  ['an empty Origin', ''],
  ['another port', 'http://localhost:8080'],
  ['the default port spelled out', 'http://localhost:80'],
  ['another scheme', 'https://localhost'],
  ['a subdomain', 'http://app.localhost'],
  ['a look-alike suffix', 'http://localhost.evil.example'],
  ['a userinfo trick', 'http://localhost@evil.example'],
  ['a trailing slash', 'http://localhost/'],
  ['upper case', 'HTTP://LOCALHOST'],
  ['a space-separated origin list', 'http://localhost https://evil.example'],
  ['a comma-separated origin list', 'http://localhost, https://evil.example'],
];

/** Content types an HTML form (or a no-cors fetch / sendBeacon) can send cross-site without preflight. */
const SIMPLE_TYPES: [string, string | null][] = [
  ['text/plain', 'text/plain'],
  ['text/plain;charset=UTF-8', 'text/plain;charset=UTF-8'],
  ['text/plain with a json-looking parameter', 'text/plain; x=application/json'],
  ['TEXT/PLAIN', 'TEXT/PLAIN'],
  ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
  ['multipart/form-data', 'multipart/form-data; boundary=----csrf'],
  ['no content type (no-cors fetch of a Blob)', null],
];

describe('CSRF: the Origin of state-changing requests', () => {
  test('foreign, null, missing and near-miss Origins → 403 forbidden_origin and nothing changes, on every state-changing endpoint', async () => {
    const names = (await setup()).endpoints.map((e) => e.name);
    for (const name of names) {
      const s = await setup();
      const e = s.endpoints.find((x) => x.name === name)!;
      const variants: [string, () => Promise<Response>, number, string][] = BAD_ORIGINS.map(([what, origin]) => [
        what,
        () => send(s.h, e, { origin }),
        403,
        'forbidden_origin',
      ]);
      variants.push(
        ['no Origin but a same-origin Referer', () => send(s.h, e, { origin: null, referer: `${ORIGIN}/settings` }), 403, 'forbidden_origin'],
        ['a foreign Origin and Sec-Fetch-Site: same-origin', () => send(s.h, e, { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' }), 403, 'forbidden_origin'],
        ['a foreign Origin, X-Forwarded-Host naming the attacker', () => send(s.h, e, { origin: 'https://evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }), 403, 'forbidden_origin'],
      );
      await refusedThenControl(s, e, variants, () => send(s.h, e));
    }
  });

  test('configured origins: https://app.example is accepted, the server’s own origin and near misses are refused', async () => {
    const names = (await setup()).endpoints.map((e) => e.name);
    const refused = [ORIGIN, 'https://evil.example', 'null', 'http://app.example', 'https://app.example:8443', 'https://app.example:443', 'https://app.example.evil.example', 'https://evil.app.example', 'https://APP.EXAMPLE', 'https://app.example/'];
    for (const name of names) {
      const s = await setup({ origins: [APP_ORIGIN] });
      const e = s.endpoints.find((x) => x.name === name)!;
      const variants: [string, () => Promise<Response>, number, string][] = refused.map((origin) => [
        `Origin ${origin}`,
        () => send(s.h, e, { origin }),
        403,
        'forbidden_origin',
      ]);
      variants.push(['no Origin', () => send(s.h, e, { origin: null }), 403, 'forbidden_origin']);
      await refusedThenControl(s, e, variants, () => send(s.h, e, { origin: APP_ORIGIN }));
    }
  });
});

describe('CSRF: only application/json', () => {
  test('form and text content types → 415 and nothing changes, even with the right Origin and a JSON body', async () => {
    const names = (await setup()).endpoints.map((e) => e.name);
    for (const name of names) {
      const s = await setup();
      const e = s.endpoints.find((x) => x.name === name)!;
      const json = JSON.stringify(e.body ?? {});
      const variants: [string, () => Promise<Response>, number, string][] = SIMPLE_TYPES.map(([what, type]) => [
        `${what} and a JSON body`,
        () => send(s.h, e, { 'content-type': type }, json),
        415,
        'unsupported_media_type',
      ]);
      // <form enctype="text/plain"> with name='{"a":"' value='"}' sends `{"a":"="}`: valid JSON.
      const formJson = json === '{}' ? '{"x":"="}' : json.replace(/}$/, ',"x":"="}');
      variants.push(
        ['text/plain form trick producing valid JSON', () => send(s.h, e, { 'content-type': 'text/plain' }, formJson), 415, 'unsupported_media_type'],
        ['a urlencoded form body', () => send(s.h, e, { 'content-type': 'application/x-www-form-urlencoded' }, 'type=totp&label=x&code=123456&resource=payments&action=transfer'), 415, 'unsupported_media_type'],
        ['a multipart form body', () => send(s.h, e, { 'content-type': 'multipart/form-data; boundary=b' }, `--b\r\nContent-Disposition: form-data; name="json"\r\n\r\n${json}\r\n--b--\r\n`), 415, 'unsupported_media_type'],
        ['an empty text/plain body (empty form)', () => send(s.h, e, { 'content-type': 'text/plain' }, ''), 415, 'unsupported_media_type'],
        ['an empty urlencoded body (empty form)', () => send(s.h, e, { 'content-type': 'application/x-www-form-urlencoded' }, ''), 415, 'unsupported_media_type'],
        // What a real cross-site form sends: both rules refuse it; the Origin is checked first.
        ['a cross-site form (foreign Origin + urlencoded)', () => send(s.h, e, { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, 'type=totp'), 403, 'forbidden_origin'],
      );
      await refusedThenControl(s, e, variants, () => send(s.h, e));
    }
  });

  test('the guarded app route cannot be reached by a cross-site form: the step-up token is a custom header', async () => {
    const s = await setup();
    const res = await s.h.request('POST', '/api/transfer', {
      user: V,
      raw: 'to=attacker&amount=1000000',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded', cookie: 'session=victim' },
    });
    assert.equal(res.headers.get('www-authenticate'), 'Bearer error="insufficient_user_authentication", acr_values="mfa", max_age=300');
    await expectError(res, 401, 'insufficient_user_authentication');
  });
});

describe('CSRF: GET never changes state', () => {
  test('GETs (any Origin, query strings that look like bodies, method overrides), HEAD and OPTIONS write nothing', async () => {
    const s = await setup();
    const e = Object.fromEntries(s.endpoints.map((x) => [x.name, x]));
    const factorPath = e['DELETE /mfa/factors/:id']!.path;
    const confirmPath = e['POST /mfa/factors/:id/confirm']!.path;
    const resumePath = e['POST /mfa/challenges/:id/resume']!.path;
    const manage = e['DELETE /mfa/factors/:id']!.token!;
    const paths: [string, number][] = [
      ['/mfa/factors', 200],
      ['/mfa/jwks.json', 200],
      ['/mfa/factors?type=totp&label=x', 200],
      [factorPath, 404],
      [`${factorPath}?_method=DELETE`, 404],
      [`${factorPath}?label=Renamed`, 404],
      [`${confirmPath}?code=123456`, 404],
      ['/mfa/challenges?resource=payments&action=transfer', 404],
      [`${resumePath}?guid=x&value=123456`, 404],
      ['/mfa/recovery-codes', 404],
      ['/mfa/session', 404],
      ['/mfa/audit?tag=csrf.probe', 404],
    ];
    const headerSets: [string, Record<string, string | null>][] = [
      ['no Origin', { origin: null }],
      ['a foreign Origin', { origin: 'https://evil.example' }],
      ['the right Origin and a step-up token', { origin: ORIGIN, 'step-up-token': manage }],
      ['method-override headers', { 'x-http-method-override': 'DELETE', 'x-http-method': 'DELETE', 'x-method-override': 'DELETE', 'step-up-token': manage }],
    ];
    const before = await s.snapshot();
    let n = 0;
    for (const [path, status] of paths) {
      for (const [what, headers] of headerSets) {
        for (const method of ['GET', 'HEAD', 'OPTIONS']) {
          s.writes.length = 0;
          const res = await s.h.request(method, path, { user: V, headers });
          const label = `${method} ${path} with ${what}`;
          if (method === 'GET') {
            assert.equal(res.status, status, label);
            if (status !== 200) await assert.doesNotReject(expectError(res, status, 'not_found'), label);
          } else {
            assert.ok(res.status === status || res.status === 404, `${label}: ${res.status}`);
          }
          assert.deepEqual(s.writes, [], `${label} wrote ${s.writes.join(', ')}`);
          n++;
        }
      }
    }
    assert.equal(n, paths.length * headerSets.length * 3);
    assert.deepEqual(await s.snapshot(), before);
  });
});
