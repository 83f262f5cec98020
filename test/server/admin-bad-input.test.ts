/**
 * Bad input to the server-to-server endpoints (docs/service.md "Admin API", "Introspection") and
 * to the public discovery documents: every malformed request — an extra body field, a body that is
 * not JSON or not an object, wrong types, an oversized or badly encoded `sub`, a wrong method, a
 * bad `limit` — is a 4xx whose body is exactly `{error:{code,message}}`, and nothing stored
 * changes: the user's factors, locks and audit trail, the signing keys, the step-up token's
 * one-time state. Real socket; the credentials are right, only the input is wrong.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listen } from '../helpers/listen.js';
import { makeServer, type Harness } from './harness.js';

const ADMIN = 'an-admin-token-0123456789-0123456789-abcdef';
const CLIENT = { id: 'py-app', secret: 'a-client-secret-0123456789-0123456789' };
const SUB = 'vera';
const basic = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`;

let h: Harness;
let srv: { url: string; close(): Promise<void> };
let token: string;

before(async () => {
  h = makeServer({ admin: { token: ADMIN, clients: { [CLIENT.id]: CLIENT.secret } } });
  srv = await listen(h.app.fetch);
  const f = await h.enrollTotp(SUB);
  token = (await h.stepUp(SUB, f.secret, 'payments', 'transfer')).token;
  // A lock, so that a wrongly accepted unlock would show.
  for (let i = 0; i < 10; i++) await h.answer(SUB, { resource: 'account', action: 'delete' }, h.wrongCode(f.secret));
});
after(() => srv?.close());

interface Case {
  name: string;
  method: string;
  /** Below /mfa; may be a raw, not-normalised path. */
  path: string;
  body?: string;
  type?: string;
  auth?: string;
  status: number | number[];
}

const big = 'x'.repeat(257);
const json = 'application/json';
const form = 'application/x-www-form-urlencoded';
const jsonCases = (name: string, method: string, path: string): Case[] => [
  { name: `${name}: extra body field`, method, path, body: '{"immediate":false,"sub":"mallory"}', type: json, status: 400 },
  { name: `${name}: prototype key`, method, path, body: '{"__proto__":{"admin":true}}', type: json, status: 400 },
  { name: `${name}: not JSON`, method, path, body: '{"a":', type: json, status: 400 },
  { name: `${name}: a JSON array`, method, path, body: '[]', type: json, status: 400 },
  { name: `${name}: a JSON string`, method, path, body: '"reset"', type: json, status: 400 },
  { name: `${name}: JSON null`, method, path, body: 'null', type: json, status: 400 },
  { name: `${name}: text/plain`, method, path, body: '{}', type: 'text/plain', status: 415 },
  { name: `${name}: form body`, method, path, body: 'a=1', type: form, status: 415 },
  { name: `${name}: nested too deeply`, method, path, body: `${'['.repeat(40)}${']'.repeat(40)}`, type: json, status: 400 },
  { name: `${name}: over 16 KB`, method, path, body: JSON.stringify({ pad: 'x'.repeat(17_000) }), type: json, status: 413 },
];

const CASES: Case[] = [
  // POST /mfa/introspect (JSON or form; the token is real, so a wrongly accepted request would consume it).
  ...[
    ['extra field', `{"token":"${'T'}","scope":"admin"}`, json],
    ['token a number', '{"token":123}', json],
    ['token missing', '{"consume":true}', json],
    ['consume not a boolean', '{"token":"T","consume":"yes"}', json],
    ['consume a number', '{"token":"T","consume":1}', json],
    ['sub over 256 characters', `{"token":"T","sub":"${big}"}`, json],
    ['sub empty', '{"token":"T","sub":""}', json],
    ['resource with a space', '{"token":"T","resource":"pay ments"}', json],
    ['not JSON', '{"token":', json],
    ['a JSON array', '["T"]', json],
    ['form: extra field', 'token=T&scope=admin', form],
    ['form: token twice', 'token=T&token=T', form],
    ['form: consume=yes', 'token=T&consume=yes', form],
    ['form: sub over 256 characters', `token=T&sub=${big}`, form],
    ['form: no token', 'consume=true', form],
  ].map(([name, body, type]) => ({ name: `introspect: ${name}`, method: 'POST', path: '/introspect', body: body!.replaceAll('"T"', JSON.stringify('@TOKEN')).replaceAll('token=T', 'token=@TOKEN'), type, status: 400 })),
  { name: 'introspect: text/plain', method: 'POST', path: '/introspect', body: 'token=@TOKEN', type: 'text/plain', status: 415 },
  { name: 'introspect: client credentials, extra field', method: 'POST', path: '/introspect', body: 'token=@TOKEN&consume=true&x=1', type: form, auth: basic, status: 400 },
  { name: 'introspect: over 16 KB', method: 'POST', path: '/introspect', body: `token=@TOKEN&token_type_hint=${'x'.repeat(17_000)}`, type: form, status: 413 },
  { name: 'introspect: GET', method: 'GET', path: '/introspect', status: [404, 405] },

  // The admin API, per endpoint.
  ...jsonCases('reset', 'POST', `/admin/users/${SUB}/reset`),
  ...jsonCases('unlock', 'POST', `/admin/users/${SUB}/unlock`),
  ...jsonCases('keys/rotate', 'POST', '/admin/keys/rotate'),
  { name: 'keys/rotate: immediate a string', method: 'POST', path: '/admin/keys/rotate', body: '{"immediate":"yes"}', type: json, status: 400 },
  { name: 'keys/rotate: immediate a number', method: 'POST', path: '/admin/keys/rotate', body: '{"immediate":1}', type: json, status: 400 },
  { name: 'keys/rotate: immediate null', method: 'POST', path: '/admin/keys/rotate', body: '{"immediate":null}', type: json, status: 400 },
  ...['factors', 'audit'].flatMap((what): Case[] => [
    { name: `${what}: sub over 256 characters`, method: 'GET', path: `/admin/users/${big}/${what}`, status: 400 },
    { name: `${what}: badly percent-encoded sub`, method: 'GET', path: `/admin/users/%E0%A4%A/${what}`, status: 400 },
    { name: `${what}: lone surrogate in sub`, method: 'GET', path: `/admin/users/%ED%A0%80/${what}`, status: 400 },
  ]),
  ...['reset', 'unlock'].flatMap((what): Case[] => [
    { name: `${what}: sub over 256 characters`, method: 'POST', path: `/admin/users/${big}/${what}`, status: 400 },
    { name: `${what}: badly percent-encoded sub`, method: 'POST', path: `/admin/users/%E0%A4%A/${what}`, status: 400 },
    { name: `${what}: GET`, method: 'GET', path: `/admin/users/${SUB}/${what}`, status: [404, 405] },
  ]),
  ...['0', '-1', '1001', '1.5', 'abc', '1e3x', '', '%00'].map((limit): Case => ({ name: `audit: limit=${limit}`, method: 'GET', path: `/admin/users/${SUB}/audit?limit=${limit}`, status: 400 })),
  { name: 'audit: unknown query parameter', method: 'GET', path: `/admin/users/${SUB}/audit?limit=5&type=all`, status: 400 },
  { name: 'factors: DELETE', method: 'DELETE', path: `/admin/users/${SUB}/factors`, status: [404, 405] },
  { name: 'keys: POST', method: 'POST', path: '/admin/keys', body: '{}', type: json, status: [404, 405] },
  { name: 'keys/rotate: GET', method: 'GET', path: '/admin/keys/rotate', status: [404, 405] },
  { name: 'no user in the path', method: 'POST', path: '/admin/users//reset', body: '{}', type: json, status: [400, 404] },

  // Discovery, JWKS, OpenAPI: read-only documents.
  ...['/jwks.json', '/.well-known/mfa-configuration', '/openapi.json'].flatMap((doc) => ['POST', 'PUT', 'DELETE', 'PATCH'].map((method): Case => ({
    name: `${doc}: ${method}`, method, path: doc, body: '{}', type: json, auth: '', status: [403, 404, 405],
  }))),
];

/** Exactly `{error:{code,message}}`: no other field at either level, both non-empty strings. */
function assertExactError(text: string, contentType: string | null, what: string): void {
  assert.match(contentType ?? '', /^application\/json/, `${what}: content-type`);
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ['error'], `${what}: ${text}`);
  const error = body.error as Record<string, unknown>;
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message'], `${what}: ${text}`);
  assert.equal(typeof error.code, 'string');
  assert.ok(typeof error.message === 'string' && error.message.length > 0);
}

const admin = async (path: string) => {
  const res = await fetch(`${srv.url}/mfa${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(res.status, 200, path);
  return res.json();
};
/** Everything a wrongly accepted request could change. */
const snapshot = async () => ({
  factors: await admin(`/admin/users/${SUB}/factors`),
  audit: await admin(`/admin/users/${SUB}/audit?limit=1000`),
  keys: await admin('/admin/keys'),
  jwks: await (await fetch(`${srv.url}/mfa/jwks.json`)).json(),
});

describe('bad input to the admin API, introspection and the discovery documents', () => {
  let before: Awaited<ReturnType<typeof snapshot>>;
  const seen: string[] = [];

  test('the user is locked and holds a live token (what a wrongly accepted request would change)', async () => {
    before = await snapshot();
    const factors = before.factors as { factors: { lockedUntil: string | null }[] };
    assert.notEqual(factors.factors[0]!.lockedUntil, null);
  });

  for (const c of CASES) {
    test(c.name, async () => {
      seen.push(c.name);
      const headers: Record<string, string> = {};
      const auth = c.auth ?? `Bearer ${ADMIN}`;
      if (auth) headers.authorization = auth;
      if (c.type) headers['content-type'] = c.type;
      // A raw request line: fetch would normalise `%ED%A0%80` or `//`, so use node:http.
      const { status, contentType, text } = await rawRequest(srv.url, c.method, `/mfa${c.path}`, headers, c.body?.replaceAll('@TOKEN', token));
      const allowed = Array.isArray(c.status) ? c.status : [c.status];
      assert.ok(allowed.includes(status), `${c.method} ${c.path.slice(0, 80)} → ${status} (expected ${allowed.join('/')}): ${text.slice(0, 300)}`);
      assertExactError(text, contentType, c.name);
    });
  }

  test('nothing changed: factors and lock, audit trail, signing keys, JWKS; the token is still unused', async () => {
    assert.equal(seen.length, CASES.length, 'every case ran');
    assert.deepEqual(await snapshot(), before);
    const res = await fetch(`${srv.url}/mfa/introspect`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': form }, body: `token=${token}` });
    const body = (await res.json()) as { active: boolean; consumed: boolean };
    assert.equal(body.active, true);
    assert.equal(body.consumed, false);
  });
});

async function rawRequest(base: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  const { request } = await import('node:http');
  const url = new URL(base);
  return new Promise<{ status: number; contentType: string | null; text: string }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, contentType: res.headers['content-type'] ?? null, text }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}
