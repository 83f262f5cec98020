/**
 * The OpenAPI 3.1 document (docs/service.md "OpenAPI"): valid per the OpenAPI 3.1 schema, the one
 * committed at openapi.json is what the code generates, every route the server answers is in it,
 * and real answers recorded over HTTP match its response schemas.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { OPERATIONS, openApiDocument } from '../../src/server/http/openapi.js';
import { listen } from '../helpers/listen.js';
import { makeServer, type Harness } from './harness.js';

const ADMIN = 'openapi-admin-token-0123456789abcdef0123';
const committed = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8'));

describe('the document', () => {
  test('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const result = await new Validator().validate(structuredClone(committed));
    assert.equal(result.valid, true, JSON.stringify(result.errors));
    assert.equal(committed.openapi, '3.1.0');
  });

  test('openapi.json is fresh, and GET /mfa/openapi.json serves the same with this server\'s URL', async () => {
    assert.deepEqual(committed, openApiDocument());
    const h = makeServer();
    const res = await h.get('/mfa/openapi.json');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), openApiDocument('http://localhost/mfa'));
  });

  test('documents exactly the routes the server answers', () => {
    const h = makeServer({ admin: { token: ADMIN, clients: { app: 'c'.repeat(32) } } });
    const served = new Set(
      h.mfa.app.routes
        .filter((r) => r.method !== 'ALL' && !r.path.endsWith('*'))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(OPERATIONS.map((o) => `${o.method.toUpperCase()} ${o.path}`));
    assert.deepEqual([...served].filter((r) => !documented.has(r)), [], 'served but not documented');
    assert.deepEqual([...documented].filter((r) => !served.has(r)), [], 'documented but not served');
    for (const [path, item] of Object.entries(committed.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) assert.ok(served.has(`${method.toUpperCase()} ${path}`), `${method} ${path}`);
    }
  });
});

describe('recorded answers match the response schemas', () => {
  let h: Harness;
  let srv: { url: string; close(): Promise<void> };
  const recorded: { method: string; path: string; status: number; body: unknown }[] = [];

  before(async () => {
    h = makeServer({ admin: { token: ADMIN } });
    srv = await listen(h.app.fetch);
  });
  after(() => srv.close());

  /** Over the socket; records method, the documented path template, status and body. */
  async function call(method: string, path: string, template: string, opts: { user?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    const res = await fetch(srv.url + path, {
      method,
      headers: {
        ...(opts.user && { 'x-test-user': opts.user }),
        ...(method !== 'GET' && !template.startsWith('/admin') && template !== '/introspect' && { origin: srv.url }),
        ...(opts.body !== undefined && { 'content-type': 'application/json' }),
        ...opts.headers,
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    const body = text ? JSON.parse(text) : null;
    recorded.push({ method: method.toLowerCase(), path: template, status: res.status, body });
    return { status: res.status, body };
  }

  test('a flow: enroll, challenge, verify, factors, management, server API and errors', async () => {
    const u = 'olga';
    const e = await call('POST', '/mfa/factors', '/factors', { user: u, body: { type: 'totp' } });
    assert.equal(e.status, 201);
    assert.equal((await call('POST', `/mfa/factors/${e.body.factorId}/confirm`, '/factors/{id}/confirm', { user: u, body: { code: h.code(e.body.secret) } })).status, 200);
    await call('GET', '/mfa/factors', '/factors', { user: u });
    h.advance(30_000);
    const ch = await call('POST', '/mfa/challenges', '/challenges', { user: u, body: { resource: 'mfa', action: 'manage' } });
    const wrong = await call('POST', `/mfa/challenges/${ch.body.challengeId}/resume`, '/challenges/{id}/resume', { user: u, body: { answers: [{ guid: ch.body.challenges[0].guid, value: h.wrongCode(e.body.secret) }] } });
    assert.equal(wrong.status, 403);
    const v = await call('POST', `/mfa/challenges/${ch.body.challengeId}/resume`, '/challenges/{id}/resume', { user: u, body: { answers: [{ guid: ch.body.challenges[0].guid, value: h.code(e.body.secret) }] } });
    assert.equal(v.status, 200);
    const manage = { 'step-up-token': v.body.token };
    assert.equal((await call('PATCH', `/mfa/factors/${e.body.factorId}`, '/factors/{id}', { user: u, body: { label: 'Phone app' } })).status, 200);
    assert.equal((await call('POST', '/mfa/recovery-codes', '/recovery-codes', { user: u, headers: manage })).status, 201);
    assert.equal((await call('POST', '/mfa/recovery-codes', '/recovery-codes', { user: u })).status, 401, 'step-up needed');
    const second = await call('POST', '/mfa/factors', '/factors', { user: u, body: { type: 'totp' }, headers: manage });
    assert.equal(second.status, 201);
    assert.equal((await call('DELETE', `/mfa/factors/${second.body.factorId}`, '/factors/{id}', { user: u, headers: manage })).status, 204);
    assert.equal((await call('POST', '/mfa/audit', '/audit', { user: u, body: { tag: 'viewed.statement' } })).status, 204);
    // Errors.
    assert.equal((await call('GET', '/mfa/factors', '/factors')).status, 401);
    assert.equal((await call('POST', '/mfa/challenges', '/challenges', { user: u, body: { resource: 'pay ments', action: 'x' } })).status, 400);
    assert.equal((await call('POST', '/mfa/challenges/nope/resume', '/challenges/{id}/resume', { user: u, body: { answers: [{ guid: 'g', value: '123456' }] } })).status, 404);
    assert.equal((await call('POST', '/mfa/challenges', '/challenges', { user: u, body: 'x', headers: { 'content-type': 'text/plain' } })).status, 415);
    assert.equal((await call('POST', '/mfa/challenges', '/challenges', { user: 'nobody', body: { resource: 'payments', action: 'transfer' } })).status, 409);
    // Public documents and the server API.
    await call('GET', '/mfa/jwks.json', '/jwks.json');
    await call('GET', '/mfa/.well-known/mfa-configuration', '/.well-known/mfa-configuration');
    const admin = { authorization: `Bearer ${ADMIN}` };
    assert.equal((await call('POST', '/mfa/introspect', '/introspect', { body: { token: v.body.token }, headers: admin })).body.active, true);
    assert.equal((await call('POST', '/mfa/introspect', '/introspect', { body: { token: 'x.y.z' }, headers: admin })).body.active, false);
    assert.equal((await call('POST', '/mfa/introspect', '/introspect', { body: { token: 'x' } })).status, 401);
    await call('GET', `/mfa/admin/users/${u}/factors`, '/admin/users/{sub}/factors', { headers: admin });
    await call('GET', `/mfa/admin/users/${u}/audit?limit=50`, '/admin/users/{sub}/audit', { headers: admin });
    await call('POST', `/mfa/admin/users/${u}/unlock`, '/admin/users/{sub}/unlock', { headers: admin });
    await call('GET', '/mfa/admin/keys', '/admin/keys', { headers: admin });
    await call('POST', '/mfa/admin/keys/rotate', '/admin/keys/rotate', { body: {}, headers: admin });
    await call('POST', `/mfa/admin/users/${u}/reset`, '/admin/users/{sub}/reset', { headers: admin });
    assert.equal((await call('DELETE', '/mfa/session', '/session', { user: u })).status, 204);
  });

  test('every recorded body validates against its documented schema (ajv, JSON Schema 2020-12)', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema(committed, 'api');
    const ptr = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
    let checked = 0;
    for (const r of recorded) {
      const op = committed.paths[r.path]?.[r.method];
      assert.ok(op, `documented: ${r.method} ${r.path}`);
      const response = op.responses[String(r.status)];
      assert.ok(response, `status ${r.status} documented for ${r.method} ${r.path}`);
      if (r.body === null) {
        assert.ok(!response.content, `${r.method} ${r.path} ${r.status} has no body`);
        continue;
      }
      const ref = response.$ref
        ? `api${response.$ref}/content/application~1json/schema`
        : `api#/paths/${ptr(r.path)}/${r.method}/responses/${r.status}/content/application~1json/schema`;
      const validate = ajv.getSchema(ref);
      assert.ok(validate, `schema ${ref}`);
      assert.ok(validate(r.body), `${r.method} ${r.path} ${r.status}: ${JSON.stringify(validate.errors)} body ${JSON.stringify(r.body).slice(0, 300)}`);
      checked++;
    }
    assert.ok(checked >= 25, `checked ${checked}`);
  });
});
