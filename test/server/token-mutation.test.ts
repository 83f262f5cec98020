/**
 * Token mutation suite (docs/server.md "Step-up tokens and the guard", docs/security.md): what an attacker can do to a step-up
 * token they hold or have seen, and proof that a guarded route refuses every variant.
 *
 * We start from one genuine token (alice, payments/transfer) and build mutations the way an
 * attacker would: edit the payload and keep the signature, sign with their own key, change the
 * algorithm, inject key-carrying headers, break the encoding, send it elsewhere or as someone
 * else. Each mutation must get the route's RFC 9470 answer (401 + `WWW-Authenticate`), and the
 * suite counts them: 100% refused, and the genuine token still works before and after.
 *
 * Where a mutation is signed with the server's own key (the "re-signed" ones) it isolates one
 * claim rule: the signature is fine, only the claim check can refuse it.
 */
import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes, randomUUID, sign as cryptoSign } from 'node:crypto';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { exportJWK } from 'jose';
import { STEP_UP_TOKEN_TYPE } from '../../src/core/types.js';
import type { StepUpRequirement } from '../../src/server/guard/step-up-guard.js';
import { ORIGIN, expectError, makeServer, type Harness } from './harness.js';

const A = 'alice';
const B = 'bob';
// Reusable tokens here: these tests isolate claim rules; one-time use has its own test below.
const TRANSFER = { path: '/api/transfer-reusable', method: 'POST', resource: 'payments', action: 'transfer', maxAge: 300 };
const ACCOUNT = { path: '/api/account', method: 'DELETE', resource: 'account', action: 'delete', maxAge: 300 };
const RECENT = { path: '/api/recent-transfer', method: 'POST', resource: 'payments', action: 'transfer', maxAge: 60 };
type Route = typeof TRANSFER;

/**
 * The attacker's own Ed25519 key and a self-signed X.509 certificate for it (CN=mfa-elements),
 * made once with `openssl genpkey -algorithm ed25519` / `openssl req -new -x509` — what an attacker
 * would put in `x5c`. Test material only.
 */
const ATTACKER_ED25519_PEM = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIHVFj8L+BwH+prUJk1wiBUmeoQa9bizeKAPwJ/enh2ur
-----END PRIVATE KEY-----`;
const ATTACKER_CERT_DER_B64 =
  'MIIBazCCAR2gAwIBAgIUFJ+ZPItSZwke7fmKk55ha0us/0wwBQYDK2VwMCoxFTATBgNVBAMMDG1mYS1lbGVtZW50czERMA8GA1UECgwIYXR0YWNrZXIwIBcNMjYxMTIzMjAwOTA2WhgPMjEyNjEwMzAyMDA5MDZaMCoxFTATBgNVBAMMDG1mYS1lbGVtZW50czERMA8GA1UECgwIYXR0YWNrZXIwKjAFBgMrZXADIQDf9rglu4MEC/Aow1kwYvlcF+/+zCzy+RuGdstkjoyVnKNTMFEwHQYDVR0OBBYEFOgeMr0Rq39za7DxXZmPnp0hqaMRMB8GA1UdIwQYMBaAFOgeMr0Rq39za7DxXZmPnp0hqaMRMA8GA1UdEwEB/wQFMAMBAf8wBQYDK2VwA0EAoBX/vv7TeFfMH0wpfXDUDpmveMqKaqmoWm8uzDRpV+ZiLx2Vv9IVnEjy+pTzsTevwDLWx/4SbyAx9bbIO52jAw==';

type Json = Record<string, unknown>;

const enc = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const dec = (segment: string): Json => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Json;

/** A compact JWS over exactly the given header and payload text, signed however `signer` says. */
function compact(header: Json | string, payload: Json | string, signer: (input: Buffer) => Buffer | string): string {
  const input = `${enc(header)}.${enc(payload)}`;
  const sig = signer(Buffer.from(input, 'ascii'));
  return `${input}.${typeof sig === 'string' ? sig : sig.toString('base64url')}`;
}
const withKey = (key: KeyObject) => (input: Buffer) => cryptoSign(null, input, key);
const withAlgKey = (alg: string, key: KeyObject) => (input: Buffer) =>
  cryptoSign(alg, input, alg === 'sha256' && key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key);
const hmac = (hash: string, secret: Buffer | string) => (input: Buffer) => createHmac(hash, secret).update(input).digest();

/** Flips one bit of the decoded bytes of a base64url segment (always a real change of content). */
function flipBit(segment: string, byteIndex: number, bit = 0): string {
  const bytes = Buffer.from(segment, 'base64url');
  const i = byteIndex < 0 ? bytes.length + byteIndex : byteIndex;
  bytes[i] = bytes[i]! ^ (1 << bit);
  return bytes.toString('base64url');
}

async function expectStepUpAnswer(res: Response, route: Route): Promise<void> {
  const header = res.headers.get('www-authenticate');
  const body = await expectError(res, 401, 'insufficient_user_authentication');
  assert.equal(header, `Bearer error="insufficient_user_authentication", acr_values="mfa", max_age=${route.maxAge}`);
  assert.deepEqual(body, {
    error: { code: 'insufficient_user_authentication', message: body.error.message },
    resource: route.resource,
    action: route.action,
    acr_values: 'mfa',
    max_age: route.maxAge,
    // The signed-in user's own first factor type, when they have one (test/attacks/step-up-hint.test.ts).
    ...('likely_factor' in body && { likely_factor: 'totp' }),
  });
}

interface Mutation {
  name: string;
  /** The attacker's request. */
  send: () => Promise<Response>;
  /** The route whose RFC 9470 answer is expected. */
  route: Route;
}

async function setup() {
  const h = makeServer();
  const a = await h.enrollTotp(A);
  const b = await h.enrollTotp(B);
  const manage = await h.stepUp(A, a.secret, 'mfa', 'manage');
  const bobs = await h.stepUp(B, b.secret, 'payments', 'transfer');
  const genuine = await h.stepUp(A, a.secret, 'payments', 'transfer');
  const keys = await h.mfa.context.keys();
  const serverKey = KeyObject.from(keys.privateKey);
  return { h, a, b, genuine: genuine.token, manage: manage.token, bobs: bobs.token, keys, serverKey };
}

const call = (h: Harness, route: Route, user: string | undefined, headers: Record<string, string | null> = {}, path = route.path) =>
  h.request(route.method, path, { user, headers });
const withToken = (h: Harness, token: string, user = A, route: Route = TRANSFER) => call(h, route, user, { 'step-up-token': token });

async function buildMutations(s: Awaited<ReturnType<typeof setup>>): Promise<{ mutations: Mutation[]; controls: [string, string][] }> {
  const { h, genuine, serverKey, keys } = s;
  const [h64, p64, s64] = genuine.split('.') as [string, string, string];
  const header = dec(h64);
  const payload = dec(p64);
  assert.equal(header.alg, 'EdDSA');
  assert.equal(header.typ, STEP_UP_TOKEN_TYPE);
  assert.equal(payload.sub, A);
  const nowS = Math.floor(h.now() / 1000);

  const attacker = createPrivateKey(ATTACKER_ED25519_PEM);
  const attackerPublicJwk = { ...(await exportJWK(createPublicKey(attacker))), kid: 'attacker-key', alg: 'EdDSA', use: 'sig' };
  const publicJwkAsServed = keys.publicJwk as Json;
  const publicJwkExported = await exportJWK(keys.publicKey);
  const publicRaw = Buffer.from(publicJwkExported.x!, 'base64url');
  const publicPem = KeyObject.from(keys.publicKey).export({ type: 'spki', format: 'pem' }) as string;
  const publicDer = KeyObject.from(keys.publicKey).export({ type: 'spki', format: 'der' });
  const jwksText = await (await h.get('/mfa/jwks.json')).text();
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  const m: Mutation[] = [];
  const add = (name: string, token: string, user = A, route: Route = TRANSFER) => m.push({ name, route, send: () => withToken(h, token, user, route) });
  const tampered = (hdr: Json | string, pl: Json | string) => `${enc(hdr)}.${enc(pl)}.${s64}`;
  const reSigned = (hdr: Json | string, pl: Json | string) => compact(hdr, pl, withKey(serverKey));
  const attackerSigned = (hdr: Json | string, pl: Json | string) => compact(hdr, pl, withKey(attacker));

  // 1. Claims. Each one three ways: payload edited with the genuine signature kept (an attacker
  // without any key), signed by the attacker's key under the server's kid, and — where a claim rule
  // alone must refuse it — re-signed with the server's own key. A longer exp or another iat signed
  // by the server's own key would be accepted (the guard does not bound exp − iat by the lifetime):
  // only the key holder can make such a token, so those have no re-signed variant here.
  const claimEdits: { name: string; edit: Json; omit?: string[]; user?: string; claimRule: boolean }[] = [
    { name: 'sub → bob (sent by alice)', edit: { sub: B }, claimRule: true },
    { name: 'sub → bob (sent by bob)', edit: { sub: B }, user: B, claimRule: false },
    { name: 'resource → account', edit: { resource: 'account' }, claimRule: true },
    { name: 'resource → PAYMENTS (case)', edit: { resource: 'PAYMENTS' }, claimRule: true },
    { name: 'action → refund', edit: { action: 'refund' }, claimRule: true },
    { name: 'action → ["transfer"]', edit: { action: ['transfer'] }, claimRule: true },
    { name: 'aud → another audience', edit: { aud: 'mfa-elements:other' }, claimRule: true },
    { name: 'aud → [other]', edit: { aud: ['https://api.example'] }, claimRule: true },
    { name: 'aud missing', edit: {}, omit: ['aud'], claimRule: true },
    { name: 'iss → https://evil.example', edit: { iss: 'https://evil.example' }, claimRule: true },
    { name: 'iss missing', edit: {}, omit: ['iss'], claimRule: true },
    { name: 'exp extended by 1 hour', edit: { exp: (payload.exp as number) + 3600 }, claimRule: false },
    { name: 'exp extended by 10 years', edit: { exp: (payload.exp as number) + 315_360_000 }, claimRule: false },
    // Past by more than the 30 s clock tolerance (clockToleranceSec; test/attacks/clock-tolerance.test.ts pins the boundary).
    { name: 'exp in the past', edit: { exp: nowS - 31 }, claimRule: true },
    { name: 'exp as a string', edit: { exp: String((payload.exp as number) + 3600) }, claimRule: true },
    { name: 'exp missing', edit: {}, omit: ['exp'], claimRule: true },
    { name: 'nbf in the future', edit: { nbf: nowS + 60 }, claimRule: true },
    { name: 'iat moved 1 hour forward', edit: { iat: nowS + 3600 }, claimRule: false },
    { name: 'iat moved 1 hour back', edit: { iat: nowS - 3600 }, claimRule: false },
    { name: 'iat as a string', edit: { iat: String(nowS) }, claimRule: true },
    { name: 'auth_time older than the route max_age (301 s)', edit: { auth_time: nowS - 301 }, claimRule: true },
    { name: 'auth_time a day old', edit: { auth_time: nowS - 86_400 }, claimRule: true },
    { name: 'auth_time as a string', edit: { auth_time: String(nowS) }, claimRule: true },
    { name: 'auth_time missing', edit: {}, omit: ['auth_time'], claimRule: true },
    { name: "acr → 'kba'", edit: { acr: 'kba' }, claimRule: true },
    { name: "acr → ['mfa']", edit: { acr: ['mfa'] }, claimRule: true },
    { name: 'acr missing', edit: {}, omit: ['acr'], claimRule: true },
    { name: "amr → 'otp' (not an array)", edit: { amr: 'otp' }, claimRule: true },
    { name: 'amr → {} (not an array)', edit: { amr: {} }, claimRule: true },
    { name: 'amr missing', edit: {}, omit: ['amr'], claimRule: true },
    { name: 'jti missing', edit: {}, omit: ['jti'], claimRule: true },
    { name: 'sid missing', edit: {}, omit: ['sid'], claimRule: true },
    { name: 'jti/sid → another id', edit: { jti: randomUUID(), sid: randomUUID() }, claimRule: false },
  ];
  for (const c of claimEdits) {
    const pl: Json = { ...payload, ...c.edit };
    for (const k of c.omit ?? []) delete pl[k];
    add(`claim ${c.name} — payload edited, genuine signature kept`, tampered(header, pl), c.user);
    add(`claim ${c.name} — signed by the attacker's key under the server's kid`, attackerSigned(header, pl), c.user);
    if (c.claimRule) add(`claim ${c.name} — re-signed with the server's key (claim rule alone)`, reSigned(header, pl), c.user);
  }

  // 2. alg: none and friends.
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    add(`alg ${alg}, empty signature`, `${enc({ ...header, alg })}.${p64}.`);
  }
  add('alg none, genuine signature kept', `${enc({ ...header, alg: 'none' })}.${p64}.${s64}`);
  add('alg none, no kid, no typ', `${enc({ alg: 'none' })}.${p64}.`);
  add('alg none with sub → bob (sent by bob)', `${enc({ ...header, alg: 'none' })}.${enc({ ...payload, sub: B })}.`, B);
  add('alg none, two segments', `${enc({ ...header, alg: 'none' })}.${p64}`);
  add('alg missing from the header', tampered(Object.fromEntries(Object.entries(header).filter(([k]) => k !== 'alg')), payload));
  add('alg → "" (empty)', tampered({ ...header, alg: '' }, payload));

  // 3. HS/EdDSA confusion: HMAC keyed with what the attacker can read (the public key).
  const hsSecrets: [string, Buffer | string][] = [
    ['raw public key bytes', publicRaw],
    ['the JWK JSON as served', JSON.stringify(publicJwkAsServed)],
    ['the bare JWK JSON', JSON.stringify(publicJwkExported)],
    ['the whole JWKS document', jwksText],
    ['the SPKI PEM', publicPem],
    ['the SPKI DER', publicDer],
    ['the base64url x as text', publicJwkExported.x!],
    ['an empty secret', Buffer.alloc(0)],
  ];
  for (const [what, secret] of hsSecrets) add(`HS256 keyed with ${what}`, compact({ ...header, alg: 'HS256' }, payload, hmac('sha256', secret)));
  add('HS384 keyed with raw public key bytes', compact({ ...header, alg: 'HS384' }, payload, hmac('sha384', publicRaw)));
  add('HS512 keyed with raw public key bytes', compact({ ...header, alg: 'HS512' }, payload, hmac('sha512', publicRaw)));

  // 4. Other algorithm labels.
  add("alg 'Ed25519' label, attacker's key", attackerSigned({ ...header, alg: 'Ed25519' }, payload));
  add("alg 'Ed448' label, server's key", reSigned({ ...header, alg: 'Ed448' }, payload));
  add("alg 'eddsa' (lower case), server's key", reSigned({ ...header, alg: 'eddsa' }, payload));
  add('RS256 header, garbage signature', `${enc({ ...header, alg: 'RS256' })}.${p64}.${randomBytes(256).toString('base64url')}`);
  add('RS256 signed by an attacker RSA key', compact({ ...header, alg: 'RS256' }, payload, withAlgKey('sha256', rsa)));
  add('PS256 header, garbage signature', `${enc({ ...header, alg: 'PS256' })}.${p64}.${randomBytes(256).toString('base64url')}`);
  add('ES256 header, garbage signature', `${enc({ ...header, alg: 'ES256' })}.${p64}.${randomBytes(64).toString('base64url')}`);
  add('ES256 signed by an attacker P-256 key', compact({ ...header, alg: 'ES256' }, payload, withAlgKey('sha256', ec)));
  add('ES256 header, genuine Ed25519 signature', `${enc({ ...header, alg: 'ES256' })}.${p64}.${s64}`);
  add("EdDSA re-signed by the attacker's key, nothing else changed", attackerSigned(header, payload));

  // 5. Bad signatures: one bit flipped in each segment (first, middle, last byte), or none at all.
  for (const [seg, name] of [[0, 'header'], [1, 'payload'], [2, 'signature']] as const) {
    const parts = [h64, p64, s64];
    const len = Buffer.from(parts[seg], 'base64url').length;
    for (const at of [0, Math.floor(len / 2), -1]) {
      const flipped = [...parts];
      flipped[seg] = flipBit(parts[seg], at, at === 0 ? 1 : 0);
      add(`bit flip in the ${name} at byte ${at < 0 ? len + at : at}`, flipped.join('.'));
    }
  }
  add('signature all zero bytes', `${h64}.${p64}.${Buffer.alloc(64).toString('base64url')}`);
  add('signature of another genuine token (bob’s) spliced on', `${h64}.${p64}.${s.bobs.split('.')[2]}`);
  add('payload of bob’s token with alice’s signature (sent by bob)', `${h64}.${s.bobs.split('.')[1]}.${s64}`, B);

  // 6. Broken encodings.
  add('truncated: last character dropped', genuine.slice(0, -1));
  add('truncated: first character dropped', genuine.slice(1));
  add('truncated: half the token', genuine.slice(0, Math.floor(genuine.length / 2)));
  add('truncated: signature removed, trailing dot kept', `${h64}.${p64}.`);
  add('truncated: header and payload only', `${h64}.${p64}`);
  add('truncated: header only', h64);
  add('extra segment appended', `${genuine}.${s64}`);
  add('extra empty segment appended', `${genuine}.`);
  add('five segments (JWE shape, dir/A256GCM)', `${enc({ alg: 'dir', enc: 'A256GCM', typ: STEP_UP_TOKEN_TYPE })}..${randomBytes(12).toString('base64url')}.${p64}.${randomBytes(16).toString('base64url')}`);
  add('payload re-encoded with whitespace (pretty JSON)', tampered(header, JSON.stringify(payload, null, 2)));
  add('payload re-encoded with reordered keys', tampered(header, Object.fromEntries(Object.entries(payload).reverse())));
  add('payload re-encoded with \\u escapes', tampered(header, JSON.stringify(payload).replace('"alice"', '"\\u0061lice"')));
  add('payload with duplicate sub keys, bob last (sent by bob)', tampered(header, JSON.stringify(payload).replace(/}$/, `,"sub":"${B}"}`)), B);
  add('payload with duplicate resource keys, account last', tampered(header, JSON.stringify(payload).replace(/}$/, ',"resource":"account"}')), A, ACCOUNT);
  add('payload segment with base64 padding', `${h64}.${p64}==.${s64}`);
  // Only a mutation when the alphabets differ for this payload (no '-' or '_' and a length that
  // needs no padding encode the same in both).
  const standard = Buffer.from(p64, 'base64url').toString('base64');
  if (standard !== p64) add('payload segment in standard base64 (+/)', `${h64}.${standard}.${s64}`);
  add('header re-encoded with whitespace', tampered(JSON.stringify(header, null, 1), payload));

  // 7. Header injection: key material or key locations chosen by the attacker, signed by the
  // attacker's key, so only a verifier that trusted the header would accept them.
  const attackerHeaders: [string, Json][] = [
    ['jwk: the attacker’s public key embedded', { ...header, jwk: attackerPublicJwk }],
    ['jwk embedded, kid → the attacker’s kid', { ...header, kid: 'attacker-key', jwk: attackerPublicJwk }],
    ['jku → https://evil.example/jwks.json', { ...header, jku: 'https://evil.example/jwks.json' }],
    ['jku → the server’s own JWKS URL, kid → attacker-key', { ...header, kid: 'attacker-key', jku: `${ORIGIN}/mfa/jwks.json` }],
    ['x5u → https://evil.example/cert.pem', { ...header, x5u: 'https://evil.example/cert.pem' }],
    ['x5c: a self-signed certificate for the attacker’s key', { ...header, x5c: [ATTACKER_CERT_DER_B64] }],
    ['kid → ../../etc/passwd', { ...header, kid: '../../etc/passwd' }],
    ['kid → /dev/null', { ...header, kid: '/dev/null' }],
    ['kid → unknown uuid', { ...header, kid: randomUUID() }],
    ["kid → ' OR '1'='1", { ...header, kid: "' OR '1'='1" }],
    ['kid → empty string', { ...header, kid: '' }],
    ['kid removed', Object.fromEntries(Object.entries(header).filter(([k]) => k !== 'kid'))],
  ];
  for (const [what, hdr] of attackerHeaders) add(`header ${what} (attacker-signed)`, attackerSigned(hdr, payload));
  add('header jwk embedded + sub → bob, attacker-signed (sent by bob)', attackerSigned({ ...header, jwk: attackerPublicJwk }, { ...payload, sub: B }), B);

  // 8. typ and crit (re-signed with the server's key: only the header rules can refuse them).
  add("typ → 'JWT' (re-signed)", reSigned({ ...header, typ: 'JWT' }, payload));
  add("typ → 'at+jwt' (re-signed)", reSigned({ ...header, typ: 'at+jwt' }, payload));
  add("typ → 'mfa-step-up+jwt+x' (re-signed)", reSigned({ ...header, typ: 'mfa-step-up+jwt+x' }, payload));
  add('typ → 1 (re-signed)', reSigned({ ...header, typ: 1 }, payload));
  add('typ missing (re-signed)', reSigned(Object.fromEntries(Object.entries(header).filter(([k]) => k !== 'typ')), payload));
  add("typ → 'JWT' (genuine signature kept)", tampered({ ...header, typ: 'JWT' }, payload));
  add('crit with an unknown extension (re-signed)', reSigned({ ...header, crit: ['x-unknown'], 'x-unknown': true }, payload));
  add('crit naming a missing parameter (re-signed)', reSigned({ ...header, crit: ['x-missing'] }, payload));
  add('crit empty array (re-signed)', reSigned({ ...header, crit: [] }, payload));
  add('crit not an array (re-signed)', reSigned({ ...header, crit: 'x-unknown', 'x-unknown': true }, payload));
  add('crit with an unknown extension (genuine signature kept)', tampered({ ...header, crit: ['x-unknown'], 'x-unknown': true }, payload));

  // 9. The genuine token, unchanged, used where it does not belong.
  add('genuine token replayed by bob', genuine, B);
  add('genuine token replayed by "Alice" (another user id)', genuine, 'Alice');
  add('genuine token on another route (account/delete)', genuine, A, ACCOUNT);
  add('genuine mfa/manage token on payments/transfer', s.manage, A);
  add("bob's genuine token sent by alice", s.bobs, A);
  add('genuine token twice in the header', `${genuine}, ${genuine}`);
  add('genuine token with a "Bearer " prefix in Step-Up-Token', `Bearer ${genuine}`);
  m.push(
    { name: 'genuine token in Authorization: Bearer (not opted in)', route: TRANSFER, send: () => call(h, TRANSFER, A, { authorization: `Bearer ${genuine}` }) },
    { name: 'genuine token in X-Step-Up-Token', route: TRANSFER, send: () => call(h, TRANSFER, A, { 'x-step-up-token': genuine }) },
    { name: 'genuine token in a cookie', route: TRANSFER, send: () => call(h, TRANSFER, A, { cookie: `Step-Up-Token=${genuine}; step_up_token=${genuine}` }) },
    { name: 'genuine token in the query string', route: TRANSFER, send: () => call(h, TRANSFER, A, {}, `${TRANSFER.path}?step_up_token=${genuine}&token=${genuine}&access_token=${genuine}`) },
    {
      name: 'genuine token in a JSON body',
      route: TRANSFER,
      send: () => h.request('POST', TRANSFER.path, { user: A, body: { token: genuine, stepUpToken: genuine, 'step-up-token': genuine } }),
    },
  );
  // Controls: the same machinery without the edit must be accepted, so each refusal above comes
  // from the edit and not from how the token was rebuilt.
  const controls: [string, string][] = [
    ['genuine', genuine],
    ['header and payload re-encoded unchanged, genuine signature', tampered(header, payload)],
    ["re-signed unchanged with the server's key", reSigned(header, payload)],
    // RFC 9864's name for the same Ed25519 signature: accepted alongside EdDSA (docs/server.md).
    ["alg 'Ed25519' label, server's key", reSigned({ ...header, alg: 'Ed25519' }, payload)],
  ];
  return { mutations: m, controls };
}

describe('token mutations: 100% refused by a guarded route', () => {
  test('every mutation of a genuine token gets 401 + RFC 9470 WWW-Authenticate; the genuine token still works', async () => {
    const s = await setup();
    const { h, genuine } = s;
    const control = async (when: string) => {
      const res = await withToken(h, genuine);
      assert.equal(res.status, 200, `control (${when}): the genuine token must be accepted, got ${res.status} ${await res.clone().text()}`);
      assert.deepEqual(await res.json(), { ok: true });
    };
    await control('before');

    const { mutations, controls } = await buildMutations(s);
    for (const [name, token] of controls) assert.equal((await withToken(h, token)).status, 200, `control ${name} must be accepted`);
    assert.equal(new Set(mutations.map((m) => m.name)).size, mutations.length, 'mutation names are unique');
    let refused = 0;
    const notRefused: string[] = [];
    for (const m of mutations) {
      const res = await m.send();
      const status = res.status;
      try {
        await expectStepUpAnswer(res, m.route);
        refused++;
      } catch (err) {
        notRefused.push(`${m.name} → ${status} (${(err as Error).message.split('\n')[0]})`);
      }
    }
    console.log(`token mutations: ${refused}/${mutations.length} refused`);
    assert.equal(refused, mutations.length, `not refused (${notRefused.length}):\n  ${notRefused.join('\n  ')}`);
    await control('after');
  });

  test('auth_time older than a route’s max_age: the genuine token is refused there and still accepted elsewhere', async () => {
    const s = await setup();
    const { h, genuine } = s;
    assert.equal((await withToken(h, genuine, A, RECENT)).status, 200, 'fresh enough at first');
    h.advance(61_000);
    await expectStepUpAnswer(await withToken(h, genuine, A, RECENT), RECENT);
    assert.equal((await withToken(h, genuine, A, TRANSFER)).status, 200, 'the 300 s route still accepts it');
    // Re-signing is not available to the attacker; editing auth_time breaks the signature.
    const [h64, p64, s64] = genuine.split('.') as [string, string, string];
    const younger = `${h64}.${enc({ ...dec(p64), auth_time: Math.floor(h.now() / 1000) })}.${s64}`;
    await expectStepUpAnswer(await withToken(h, younger, A, RECENT), RECENT);
  });

  // Tokens are one-time by default (`jti` remembered until `exp`); see docs/server.md.
  test('a route refuses the replay of an already used jti', async () => {
    const s = await setup();
    const { h, a } = s;
    const app = new Hono();
    app.route('/', h.app);
    app.post('/api/once', h.mfa.requireStepUp({ resource: 'payments', action: 'transfer' }), (c) => c.json({ ok: true }));
    const v = await h.stepUp(A, a.secret, 'payments', 'transfer');
    const send = () => app.request('/api/once', { method: 'POST', headers: { 'x-test-user': A, 'step-up-token': v.token, origin: ORIGIN } });
    assert.equal((await send()).status, 200, 'first use');
    await expectStepUpAnswer(await send(), { ...TRANSFER, path: '/api/once' });
    h.advance(60_000);
    await expectStepUpAnswer(await send(), { ...TRANSFER, path: '/api/once' });
    // Another genuine token of the same user (another jti) still works once.
    const w = await h.stepUp(A, a.secret, 'payments', 'transfer');
    assert.equal((await app.request('/api/once', { method: 'POST', headers: { 'x-test-user': A, 'step-up-token': w.token, origin: ORIGIN } })).status, 200);
  });
});
