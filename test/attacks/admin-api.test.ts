/**
 * Claims (docs/service.md "Admin API"):
 *  - an admin reset of a locked-out user removes every factor and recovery code, makes every token
 *    the user holds (in every session) fail at the guard, tells the user, and is audited;
 *  - a wrong admin token is a 401 and an audit event; after 10 failures from one IP in 10 minutes
 *    that IP gets 429 with Retry-After (and a critical event), while others are unaffected;
 *  - the admin API is not reachable from a browser page on another origin.
 * Served over a real socket; the clock is the harness's frozen one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SecurityNotice } from '../../src/server/factors/notices.js';
import { listen } from '../helpers/listen.js';
import { makeServer, type Harness } from '../server/harness.js';

const ADMIN = 'an-admin-token-0123456789-0123456789-abcdef';
const notices: SecurityNotice[] = [];
let h: Harness;
let srv: { url: string; close(): Promise<void> };

before(async () => {
  h = makeServer({
    admin: { token: ADMIN },
    notify: (n) => void notices.push(n),
    // The socket's address is 127.0.0.1 for every request here; a test header picks the "client".
    clientIp: (req) => req.headers.get('x-test-ip') ?? '127.0.0.1',
  });
  srv = await listen(h.app.fetch);
});
after(() => srv.close());

const admin = (method: string, path: string, token = ADMIN, headers: Record<string, string> = {}) =>
  fetch(`${srv.url}/mfa/admin${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers } });
const asUser = (method: string, path: string, user: string, headers: Record<string, string> = {}) =>
  fetch(`${srv.url}${path}`, { method, headers: { 'x-test-user': user, origin: 'http://localhost', ...headers } });

describe('admin reset', () => {
  test('a locked-out user: factors and codes gone, every old token refused, notice sent, event audited', async () => {
    const sub = 'lola';
    const f = await h.enrollTotp(sub);
    const t1 = (await h.stepUp(sub, f.secret, 'payments', 'transfer')).token;
    // A second session of the same user, with its own token.
    h.advance(30_000);
    const ch = await h.request('POST', '/mfa/challenges', { user: sub, body: { resource: 'payments', action: 'transfer' }, headers: { 'x-test-session': 'phone' } });
    const chb = (await ch.json()) as { challengeId: string; challenges: { guid: string }[] };
    const v2 = await h.request('POST', `/mfa/challenges/${chb.challengeId}/resume`, { user: sub, body: { answers: [{ guid: chb.challenges[0]!.guid, value: h.code(f.secret) }] }, headers: { 'x-test-session': 'phone' } });
    assert.equal(v2.status, 200);
    const t2 = ((await v2.json()) as { token: string }).token;
    // Locked out: 10 wrong codes.
    for (let i = 0; i < 10; i++) await h.answer(sub, { resource: 'account', action: 'delete' }, h.wrongCode(f.secret));
    assert.equal((await h.post('/mfa/challenges', { resource: 'account', action: 'delete' }, sub)).status, 423, 'locked out');
    assert.equal((await asUser('POST', '/api/transfer', sub, { 'step-up-token': t1 })).status, 200, 'before the reset the token works');

    const before = await admin('GET', `/users/${sub}/factors`);
    assert.equal(before.status, 200);
    const listed = (await before.json()) as { factors: { lockedUntil: string | null }[]; recoveryCodesLeft: number };
    assert.equal(listed.factors.length, 1);
    assert.notEqual(listed.factors[0]!.lockedUntil, null, 'the lock is visible to the admin');
    assert.equal(listed.recoveryCodesLeft, 10);

    const reset = await admin('POST', `/users/${sub}/reset`);
    assert.equal(reset.status, 200);
    assert.deepEqual(await reset.json(), { removedFactors: 1, removedRecoveryCodes: 10 });

    assert.deepEqual((await h.listFactors(sub)).factors, []);
    assert.equal((await h.listFactors(sub)).recoveryCodesLeft, 0);
    assert.equal((await asUser('POST', '/api/transfer', sub, { 'step-up-token': t1 })).status, 401, 'token of session 1');
    assert.equal((await asUser('POST', '/api/transfer', sub, { 'step-up-token': t2, 'x-test-session': 'phone' })).status, 401, 'token of session 2');
    assert.deepEqual(notices.filter((n) => n.sub === sub).map((n) => n.type).at(-1), 'mfa.reset');
    const audit = (await (await admin('GET', `/users/${sub}/audit?limit=5`)).json()) as { events: { type: string; severity: string }[] };
    assert.equal(audit.events[0]!.type, 'admin.reset');
    assert.equal(audit.events[0]!.severity, 'critical');
    // The user starts over: a new first factor needs no step-up and works.
    const again = await h.enrollTotp(sub);
    assert.equal(again.recoveryCodes?.length, 10);
  });

  test('unlock lifts a lock at once', async () => {
    const sub = 'uma';
    const f = await h.enrollTotp(sub);
    for (let i = 0; i < 10; i++) await h.answer(sub, { resource: 'account', action: 'delete' }, h.wrongCode(f.secret));
    h.advance(30_000);
    assert.equal((await h.post('/mfa/challenges', { resource: 'account', action: 'delete' }, sub)).status, 423);
    const res = await admin('POST', `/users/${sub}/unlock`);
    assert.deepEqual(await res.json(), { unlocked: 1 });
    assert.equal((await h.answer(sub, { resource: 'account', action: 'delete' }, h.code(f.secret))).status, 200);
  });
});

describe('admin unlock and factor-id probing', () => {
  test('unlock lifts a decoy\'s lock too: afterwards an unknown factor id still answers exactly like the real one', async () => {
    // A prober who locked a real id and a made-up one must not tell them apart once support
    // unlocks the account: if only the real lock were lifted, the id still locked would be the fake.
    const sub = 'ulla';
    const f = await h.enrollTotp(sub);
    const real = { resource: 'account', action: 'delete', factorId: f.factorId };
    const madeUp = { resource: 'account', action: 'delete', factorId: '0c1e4b8e-5f1a-4c55-9d0e-3b7f2a9c6d41' };
    for (const scope of [real, madeUp]) for (let i = 0; i < 10; i++) await h.answer(sub, scope, h.wrongCode(f.secret));
    h.advance(30_000);
    for (const scope of [real, madeUp]) assert.equal((await h.post('/mfa/challenges', scope, sub)).status, 423, 'both locked');
    const res = await admin('POST', `/users/${sub}/unlock`);
    assert.equal(res.status, 200);
    const seen: { status: number; body: unknown }[] = [];
    for (const scope of [real, madeUp]) {
      const answer = await h.answer(sub, scope, h.wrongCode(f.secret));
      seen.push({ status: answer.status, body: await answer.json() });
    }
    assert.deepEqual(seen[1], seen[0], 'the made-up id answers as the real one does');
    assert.equal((seen[0]!.body as { error: { code: string } }).error.code, 'invalid_code');
  });
});

describe('admin unlock of knowledge questions', () => {
  test('a KBA flow lockout (keyed by the plugin\'s flow, not a factor) is lifted too', async () => {
    const kh = makeServer({
      admin: { token: ADMIN },
      kba: { questions: () => [{ type: 'text', label: 'Name of your first pet?', check: (v) => v === 'rex' }], flowId: () => 'bank-connect' },
    });
    const ksrv = await listen(kh.app.fetch);
    try {
      const sub = 'kim';
      const bank = { resource: 'bank', action: 'connect', factorType: 'kba' };
      for (let i = 0; i < 10; i++) await kh.answer(sub, bank, `wrong-${i}`);
      assert.equal((await kh.post('/mfa/challenges', bank, sub)).status, 423, 'the question flow is locked');
      const res = await fetch(`${ksrv.url}/mfa/admin/users/${sub}/unlock`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { unlocked: 1 });
      const right = await kh.answer(sub, bank, 'rex');
      assert.equal(right.status, 200, await right.clone().text());
      assert.equal(((await right.json()) as { acr: string }).acr, 'kba');
      const events = (await kh.mfa.context.audit.list(sub, 20)).map((e) => e.type);
      assert.ok(events.includes('admin.unlock'), events.join(','));
    } finally {
      await ksrv.close();
    }
  });
});

describe('admin authentication', () => {
  test('wrong tokens: 401 and audited; the 11th failure from one IP is a 429; other IPs and the right token unaffected', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await admin('GET', '/users/lola/factors', `guess-${i}-${'x'.repeat(40)}`, { 'x-test-ip': '198.51.100.7' });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    }
    const blocked = await admin('GET', '/users/lola/factors', 'guess-final-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', { 'x-test-ip': '198.51.100.7' });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.equal((await admin('GET', '/users/lola/factors', 'nope-'.repeat(8), { 'x-test-ip': '203.0.113.9' })).status, 401, 'another IP is not blocked');
    assert.equal((await admin('GET', '/users/lola/factors', ADMIN, { 'x-test-ip': '203.0.113.9' })).status, 200);
    const events = await h.store.listAuditEvents('*', 100);
    assert.ok(events.filter((e) => e.type === 'server_auth.failed' && e.ip === '198.51.100.7').length >= 11);
    assert.ok(events.some((e) => e.type === 'rate_limited' && e.severity === 'critical'));
    // No token and a user session instead: still 401, never a session-based answer.
    assert.equal((await fetch(`${srv.url}/mfa/admin/users/lola/factors`, { headers: { 'x-test-user': 'lola' } })).status, 401);
  });

  test('a browser page on another origin cannot drive it, even with the token', async () => {
    const res = await admin('POST', '/users/lola/reset', ADMIN, { origin: 'https://evil.example' });
    assert.equal(res.status, 403);
  });

  test('bad input is a 4xx with {error}', async () => {
    assert.equal((await admin('GET', '/users/lola/audit?limit=abc')).status, 400);
    assert.equal((await admin('GET', `/users/${'x'.repeat(300)}/factors`)).status, 400);
    const res = await fetch(`${srv.url}/mfa/admin/users/lola/reset`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"all":true}' });
    assert.equal(res.status, 400);
    const intro = await fetch(`${srv.url}/mfa/introspect`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=a&token=b' });
    assert.equal(intro.status, 400);
    const text = await fetch(`${srv.url}/mfa/introspect`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'text/plain' }, body: 'token=a' });
    assert.equal(text.status, 415);
    const junk = await fetch(`${srv.url}/mfa/introspect`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"token":"not.a.jwt"}' });
    assert.deepEqual(await junk.json(), { active: false });
  });
});
