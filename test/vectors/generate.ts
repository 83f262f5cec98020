/**
 * Writes test/vectors/step-up-tokens.json: step-up tokens signed with a FIXED test key set at a
 * fixed "now", each with the verdict a verifier must give and why (docs/verify-anywhere.md).
 *
 *   node --import tsx test/vectors/generate.ts          # rewrite the file
 *   node --import tsx test/vectors/generate.ts --check  # exit 1 when the committed file is stale
 *
 * Ed25519 signatures are deterministic and the keys come from fixed seeds, so the output is
 * byte-for-byte reproducible. Valid-shaped tokens are minted by the server's own
 * `signStepUpToken`; only the deliberately malformed ones are hand-built with jose.
 */
import { createHash, createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SignJWT, importJWK, type CryptoKey, type JWK } from 'jose';
import { STEP_UP_TOKEN_TYPE } from '../../src/core/types.js';
import { signStepUpToken, type TokenConfig } from '../../src/server/tokens/step-up-token.js';
import { TOKEN_ALG, type SigningKeys } from '../../src/server/tokens/signing-keys.js';
import { sessionClaim } from '../../src/server/session.js';
import { stepUpRequiredResponse } from '../../src/server/guard/step-up-guard.js';

export const VECTORS_FILE = fileURLToPath(new URL('./step-up-tokens.json', import.meta.url));

/** 2030-03-17T17:46:40Z. Every vector is judged at this instant. */
const NOW = 1_900_000_000;
const CONFIG: TokenConfig = { issuer: 'https://mfa.example.test', audience: 'mfa-elements:step-up', lifetime: 300 };
const ALICE = { sub: 'alice', sessionId: 'app-session-1' };
const ROUTE = { resource: 'payments', action: 'transfer', maxAge: 300, acrValues: ['mfa'] };

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

interface TestKey extends SigningKeys {
  keyObject: KeyObject;
  privateJwk: JWK;
}

/** An Ed25519 key from a fixed 32-byte seed (PKCS#8 = fixed prefix + seed). */
async function fixedKey(label: string): Promise<TestKey> {
  const seed = createHash('sha256').update(`mfa-elements test vectors: ${label}`).digest();
  const keyObject = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const privateJwk = keyObject.export({ format: 'jwk' }) as JWK;
  const kid = `test-${label}`;
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: privateJwk.x!, kid, alg: TOKEN_ALG, use: 'sig' };
  const publicKey = (await importJWK(publicJwk, TOKEN_ALG)) as CryptoKey;
  return {
    kid,
    keyObject,
    privateJwk,
    publicJwk,
    privateKey: (await importJWK({ ...privateJwk, alg: TOKEN_ALG }, TOKEN_ALG)) as CryptoKey,
    publicKey,
    ring: [{ kid, publicKey, publicJwk }],
  };
}

interface Claims {
  [k: string]: unknown;
}

/** The claims `signStepUpToken` would issue at `iat` for alice's payments/transfer step-up. */
function claimsAt(iat: number, over: Claims = {}): Claims {
  return {
    iss: CONFIG.issuer,
    aud: CONFIG.audience,
    sub: ALICE.sub,
    jti: 'vector-jti',
    sid: 'vector-jti',
    ssn: sessionClaim(ALICE),
    resource: ROUTE.resource,
    action: ROUTE.action,
    acr: 'mfa',
    amr: ['otp'],
    auth_time: iat,
    iat,
    exp: iat + CONFIG.lifetime,
    ...over,
  };
}

/** Our own minting code, for every token whose shape the server could issue. */
async function mint(key: SigningKeys, c: Claims, config: TokenConfig = CONFIG): Promise<string> {
  const { token } = await signStepUpToken(key, { ...config, lifetime: (c.exp as number) - (c.iat as number) }, {
    sub: c.sub as string,
    sid: c.sid as string,
    ssn: c.ssn as string,
    resource: c.resource as string,
    action: c.action as string,
    acr: c.acr as string,
    amr: c.amr as string[],
    authTime: c.auth_time as number,
    now: (c.iat as number) * 1000,
  });
  return token;
}

/** Hand-built JWS for shapes the server never issues (claims removed or retyped, other headers). */
async function forge(key: TestKey, c: Claims, header: Record<string, unknown> = {}): Promise<string> {
  const payload = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
  const h = { alg: TOKEN_ALG, typ: STEP_UP_TOKEN_TYPE, kid: key.kid, ...header };
  return new SignJWT(payload).setProtectedHeader(h as { alg: string }).sign(key.privateKey);
}

/** `header.payload.signature` with an arbitrary signing function (alg none, HS256 confusion). */
function rawJws(header: object, payload: object, sign: (input: string) => string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${sign(input)}`;
}

export type Verdict = 'accept' | 'reject';
export interface Vector {
  name: string;
  why: string;
  token: string;
  /** The guarded route the token is presented to. */
  route: { resource: string; action: string; maxAge: number; acrValues: string[] };
  /** The app session of the request: a backend computes the expected `ssn` from `sessionId`. */
  session: { sub: string; sessionId: string };
  verdict: Verdict;
  /** The first check that refuses it (docs/verify-anywhere.md), `ok` when accepted. */
  reason: string;
}

export async function buildVectors() {
  const k1 = await fixedKey('key-1');
  const k2 = await fixedKey('key-2');
  const stranger = await fixedKey('not-published');
  const strangerWithRealKid: TestKey = { ...stranger, kid: k1.kid };
  const fresh = NOW - 20;
  const vectors: Vector[] = [];
  const add = (name: string, why: string, token: string, verdict: Verdict, reason: string, over: { route?: Partial<Vector['route']>; session?: Vector['session'] } = {}) =>
    vectors.push({ name, why, token, route: { ...ROUTE, ...over.route }, session: over.session ?? ALICE, verdict, reason });

  // Accepted.
  add('valid', 'issued 20 s ago by the current key for this user, session, resource and action', await mint(k1, claimsAt(fresh)), 'accept', 'ok');
  add('valid-second-key', 'signed by the other key of the JWKS (key rotation: a verifier trusts every published key, chosen by kid)', await mint(k2, claimsAt(fresh)), 'accept', 'ok');
  add('valid-freshness-reuse', 'auth_time 120 s before iat (a "still fresh" token keeps the original auth_time), within max_age', await mint(k1, claimsAt(fresh, { auth_time: NOW - 140 })), 'accept', 'ok');
  add('valid-kba-route', 'acr "kba" on a route that lists kba in its acr_values', await mint(k1, claimsAt(fresh, { acr: 'kba', amr: ['kba'] })), 'accept', 'ok', { route: { acrValues: ['mfa', 'kba'] } });
  add('valid-typ-media-type', 'typ "application/mfa-step-up+jwt": typ is a media type; the "application/" prefix is optional (RFC 7515 §4.1.9)', await forge(k1, claimsAt(fresh), { typ: `application/${STEP_UP_TOKEN_TYPE}` }), 'accept', 'ok');
  add('valid-typ-case', 'typ in upper case: media types compare case-insensitively', await forge(k1, claimsAt(fresh), { typ: STEP_UP_TOKEN_TYPE.toUpperCase() }), 'accept', 'ok');
  add('valid-fractional-times', 'iat, exp and auth_time with fractions of a second: a NumericDate need not be an integer (RFC 7519 §2)', await forge(k1, claimsAt(fresh + 0.5, { auth_time: fresh + 0.25 })), 'accept', 'ok');
  add('valid-aud-array', 'aud as an array that contains the audience (RFC 7519 §4.1.3)', await forge(k1, claimsAt(fresh, { aud: ['another-app', CONFIG.audience] })), 'accept', 'ok');
  add('valid-recovery-code', 'amr ["rec"]: a recovery code is a second factor (acr mfa)', await mint(k1, claimsAt(fresh, { amr: ['rec'] })), 'accept', 'ok');

  // Header and signature.
  add('malformed-two-parts', 'not a compact JWS (two segments)', (await mint(k1, claimsAt(fresh))).split('.').slice(0, 2).join('.'), 'reject', 'malformed');
  {
    const [h, p] = (await mint(k1, claimsAt(fresh))).split('.');
    const padded = `${h}.${p}${'='.repeat((4 - (p!.length % 4)) % 4) || '=='}`;
    add('malformed-padding', 'base64url with "=" padding in the payload (validly signed over the padded text): compact JWS has no padding (RFC 7515 §2)',
      `${padded}.${sign(null, Buffer.from(padded), k1.keyObject).toString('base64url')}`, 'reject', 'malformed');
  }
  {
    // JSON has no NaN: a parser that takes it would compare every time with NaN as false (never expired).
    const header = b64url(JSON.stringify({ alg: TOKEN_ALG, typ: STEP_UP_TOKEN_TYPE, kid: k1.kid }));
    const payload = b64url(JSON.stringify(claimsAt(fresh)).replace(/"exp":\d+/, '"exp":NaN'));
    add('malformed-json-nan', 'payload with "exp": NaN, validly signed: not JSON (RFC 8259), and never a number to compare', `${header}.${payload}.${sign(null, Buffer.from(`${header}.${payload}`), k1.keyObject).toString('base64url')}`, 'reject', 'malformed');
    const zero = b64url(JSON.stringify(claimsAt(fresh)).replace(/"iat":(\d+)/, '"iat":0$1'));
    add('malformed-json-leading-zero', 'payload with a number written with a leading zero ("iat": 0189…), validly signed: not JSON (RFC 8259 §6)', `${header}.${zero}.${sign(null, Buffer.from(`${header}.${zero}`), k1.keyObject).toString('base64url')}`, 'reject', 'malformed');
  }
  {
    // One JSON value per segment: a decoder that stops after the first object must not accept the rest.
    const header = b64url(JSON.stringify({ alg: TOKEN_ALG, typ: STEP_UP_TOKEN_TYPE, kid: k1.kid }));
    const payload = b64url(`${JSON.stringify(claimsAt(fresh))} {"resource":"mfa"}`);
    add('malformed-json-trailing', 'payload with a second JSON value after the claims, validly signed', `${header}.${payload}.${sign(null, Buffer.from(`${header}.${payload}`), k1.keyObject).toString('base64url')}`, 'reject', 'malformed');
  }
  add('malformed-garbage', 'segments that are not base64url JSON', 'not.a.jwt', 'reject', 'malformed');
  add('alg-none', 'unsigned token (alg "none", empty signature): the algorithm is pinned to EdDSA',
    rawJws({ alg: 'none', typ: STEP_UP_TOKEN_TYPE, kid: k1.kid }, claimsAt(fresh), () => ''), 'reject', 'alg');
  add('alg-hs256-confusion-x', 'HS256 keyed with the public JWK\'s "x" string: a verifier that lets the header choose the algorithm would accept it',
    rawJws({ alg: 'HS256', typ: STEP_UP_TOKEN_TYPE, kid: k1.kid }, claimsAt(fresh), (i) => createHmac('sha256', k1.publicJwk.x!).update(i).digest('base64url')), 'reject', 'alg');
  add('alg-hs256-confusion-raw', 'HS256 keyed with the raw 32 public key bytes',
    rawJws({ alg: 'HS256', typ: STEP_UP_TOKEN_TYPE, kid: k1.kid }, claimsAt(fresh), (i) => createHmac('sha256', Buffer.from(k1.publicJwk.x!, 'base64url')).update(i).digest('base64url')), 'reject', 'alg');
  add('crit-unknown', 'a "crit" header naming an extension no verifier of ours understands (RFC 7515 §4.1.11: must be refused)', rawJws({ alg: TOKEN_ALG, typ: STEP_UP_TOKEN_TYPE, kid: k1.kid, crit: ['urn:example:must-understand'], 'urn:example:must-understand': true }, claimsAt(fresh), (i) => sign(null, Buffer.from(i), k1.keyObject).toString('base64url')), 'reject', 'crit');
  add('typ-jwt', 'typ "JWT" (another type of JWT): explicit typing (RFC 8725) keeps other JWTs signed by the same key out', await forge(k1, claimsAt(fresh), { typ: 'JWT' }), 'reject', 'typ');
  add('typ-missing', 'no typ header', await forge(k1, claimsAt(fresh), { typ: undefined }), 'reject', 'typ');
  add('kid-unknown', 'signed by a key the JWKS does not publish, under its own kid (refetch the JWKS once, then refuse)', await mint(stranger, claimsAt(fresh)), 'reject', 'kid');
  add('kid-missing', 'no kid header', await forge(k1, claimsAt(fresh), { kid: undefined }), 'reject', 'kid');
  add('signature-other-key-real-kid', 'an attacker\'s Ed25519 key under the published kid', await mint(strangerWithRealKid, claimsAt(fresh)), 'reject', 'signature');
  {
    const [h, , s] = (await mint(k1, claimsAt(fresh, { resource: 'statements', action: 'read' }))).split('.');
    add('signature-edited-payload', 'payload changed to payments/transfer under the signature of a statements/read token', `${h}.${b64url(JSON.stringify(claimsAt(fresh)))}.${s}`, 'reject', 'signature');
  }
  {
    const [h, p, s] = (await mint(k1, claimsAt(fresh))).split('.');
    const flipped = Buffer.from(s!, 'base64url');
    flipped[0] ^= 1;
    add('signature-flipped-bit', 'one bit of the signature changed', `${h}.${p}.${b64url(flipped)}`, 'reject', 'signature');
  }

  // Registered claims.
  add('iss-wrong', 'another issuer (e.g. another deployment with the default settings)', await mint(k1, claimsAt(fresh, { iss: 'mfa-elements' }), { ...CONFIG, issuer: 'mfa-elements' }), 'reject', 'iss');
  add('aud-wrong', 'another audience', await mint(k1, claimsAt(fresh, { aud: 'another-app' }), { ...CONFIG, audience: 'another-app' }), 'reject', 'aud');
  add('sub-other-user', 'bob\'s token presented in alice\'s session', await mint(k1, claimsAt(fresh, { sub: 'bob' })), 'reject', 'sub');
  add('expired', 'exp 120 s ago (issued 420 s ago)', await mint(k1, claimsAt(NOW - 420)), 'reject', 'expired');
  add('iat-future', 'issued 120 s in the future: beyond any clock tolerance', await mint(k1, claimsAt(NOW + 120)), 'reject', 'not_yet_valid');
  add('nbf-future', 'nbf 120 s in the future (the service never sets nbf; a verifier that honours it must refuse)', await forge(k1, claimsAt(fresh, { nbf: NOW + 120 })), 'reject', 'not_yet_valid');
  add('lifetime-too-long', 'exp − iat = 3600 s, longer than the service ever issues (300 s)', await mint(k1, claimsAt(fresh, { exp: fresh + 3600 })), 'reject', 'lifetime');
  add('auth-time-after-iat', 'auth_time after iat: never issued', await forge(k1, claimsAt(fresh, { auth_time: fresh + 10 })), 'reject', 'auth_time');
  for (const claim of ['jti', 'ssn', 'acr', 'amr', 'auth_time', 'exp', 'resource']) {
    add(`missing-${claim.replace('_', '-')}`, `no "${claim}" claim`, await forge(k1, claimsAt(fresh, { [claim]: undefined })), 'reject', 'missing_claim');
  }
  add('amr-not-array', 'amr is a string, not an array of strings', await forge(k1, claimsAt(fresh, { amr: 'otp' })), 'reject', 'claim_type');
  add('jti-number', 'jti is a number, not a string', await forge(k1, claimsAt(fresh, { jti: 42 })), 'reject', 'claim_type');
  add('amr-numbers', 'amr holds a number, not only strings', await forge(k1, claimsAt(fresh, { amr: ['otp', 1] })), 'reject', 'claim_type');
  add('auth-time-string', 'auth_time is a string, not a number of seconds', await forge(k1, claimsAt(fresh, { auth_time: String(fresh) })), 'reject', 'claim_type');

  // The route's expectations.
  add('resource-wrong', 'a statements/read token on the payments/transfer route', await mint(k1, claimsAt(fresh, { resource: 'statements', action: 'read' })), 'reject', 'resource');
  add('action-wrong', 'a payments/refund token on the payments/transfer route', await mint(k1, claimsAt(fresh, { action: 'refund' })), 'reject', 'action');
  add('session-other', 'alice\'s token from another app session (ssn mismatch): needs the session id to check', await mint(k1, claimsAt(fresh)), 'reject', 'session', { session: { sub: 'alice', sessionId: 'app-session-2' } });
  add('acr-kba', 'acr "kba" (a knowledge question) on a route that requires mfa', await mint(k1, claimsAt(fresh, { acr: 'kba', amr: ['kba'] })), 'reject', 'acr');
  add('max-age-exceeded', 'auth_time 200 s ago on a route with max_age 60 (the token itself is 20 s old)', await mint(k1, claimsAt(fresh, { auth_time: NOW - 200 })), 'reject', 'max_age', { route: { maxAge: 60 } });

  // The exact answer of the Node guard to a missing or refused token on this route.
  const res = stepUpRequiredResponse({ resource: ROUTE.resource, action: ROUTE.action, acrValues: ROUTE.acrValues }, ROUTE.maxAge);
  const stepUpResponse = {
    route: ROUTE,
    status: res.status,
    headers: Object.fromEntries([...res.headers.entries()].sort()),
    body: await res.json(),
  };

  return {
    about: 'Step-up token test vectors of mfa-elements. TEST KEYS ONLY. See docs/verify-anywhere.md; regenerate with `node --import tsx test/vectors/generate.ts`.',
    now: NOW,
    clockTolerance: { recommended: 30, vectorsHoldUpTo: 60 },
    issuer: CONFIG.issuer,
    audience: CONFIG.audience,
    tokenType: STEP_UP_TOKEN_TYPE,
    maxLifetime: CONFIG.lifetime,
    session: { ...ALICE, ssn: sessionClaim(ALICE) },
    stepUpResponse,
    jwks: { keys: [k1.publicJwk, k2.publicJwk] },
    /** Private halves, so a test can run the real Node server with these keys. Never use them anywhere else. */
    testPrivateJwks: { keys: [k1, k2].map((k) => ({ ...k.privateJwk, kid: k.kid, alg: TOKEN_ALG })) },
    vectors,
  };
}

export const serialize = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = serialize(await buildVectors());
  if (process.argv.includes('--check')) {
    if (readFileSync(VECTORS_FILE, 'utf8') !== text) {
      console.error('test/vectors/step-up-tokens.json is stale: run node --import tsx test/vectors/generate.ts');
      process.exit(1);
    }
  } else {
    writeFileSync(VECTORS_FILE, text);
    console.log(`wrote ${VECTORS_FILE}`);
  }
}
