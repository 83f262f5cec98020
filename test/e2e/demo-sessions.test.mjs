// The demo's own sign-in sessions live in the configured store (demo/sessions.mjs): two demo
// processes started exactly as `npm start` runs them (node demo/server.mjs) share one store, so a
// cookie from one is signed in on the other and a logout on either ends it on both. Also: the dev
// outbox needs a session and shows only that user's messages, and over HTTPS only the
// `__Host-demo_session` cookie counts. Redis half: REDIS_URL (CI sets it; skipped, with a message,
// when it is unset outside CI). SQLite half: two processes on one DATA_DIR.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { codeAt, currentStep } from './authenticator.mjs';
import { startDemo } from './demo-server.mjs';

const TWELVE_HOURS_MS = 12 * 60 * 60 * 1000;
const inCi = !!process.env.CI && process.env.CI !== 'false';
const redisUrl = process.env.REDIS_URL;
const redisSkip = !redisUrl && !inCi
  ? 'REDIS_URL is not set: skipping the Redis half (start one, e.g. `redis-server --port 6411 --save "" --daemonize yes`, and set REDIS_URL=redis://127.0.0.1:6411)'
  : false;

/**
 * One request to a demo instance. `cookie`: the Cookie header; `https`: as behind a TLS proxy
 * (`x-forwarded-proto: https`).
 * @param {{ url: string }} demo
 * @param {string} method @param {string} path
 * @param {{ cookie?: string, body?: unknown, https?: boolean }} [options]
 */
async function api(demo, method, path, { cookie, body, https = false } = {}) {
  const res = await fetch(demo.url + path, {
    method,
    headers: {
      origin: demo.url,
      ...(cookie && { cookie }),
      ...(https && { 'x-forwarded-proto': 'https' }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** Signs `username` in on `demo`; returns the `name=value` of the session cookie it set. */
async function login(demo, username, { https = false } = {}) {
  const res = await api(demo, 'POST', '/demo/login', { body: { username }, https });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const cookie = res.headers.get('set-cookie')?.split(';')[0] ?? '';
  assert.match(cookie, https ? /^__Host-demo_session=[\w-]+$/ : /^demo_session=[\w-]+$/);
  return cookie;
}

/** Who `cookie` is signed in as on `demo` (null: signed out, still a 200). */
async function me(demo, cookie, { https = false } = {}) {
  const res = await api(demo, 'GET', '/demo/me', { cookie, https });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.username;
}

const valueOf = (cookie) => cookie.slice(cookie.indexOf('=') + 1);
const unique = (name) => `${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** The tests both stores must pass; `instances()` gives the two running demos. */
function sharedSessionTests(instances) {
  test('a session started on instance A is signed in on instance B', async () => {
    const [a, b] = instances();
    const user = unique('shared');
    const cookie = await login(a, user);
    assert.equal(await me(a, cookie), user);
    assert.equal(await me(b, cookie), user, 'instance B knows the cookie A issued');
  });

  test('logout on instance B ends the session on instance A too', async () => {
    const [a, b] = instances();
    const user = unique('logout');
    const cookie = await login(a, user);
    assert.equal(await me(a, cookie), user);
    const out = await api(b, 'POST', '/demo/logout', { cookie });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /^demo_session=; .*Max-Age=0/);
    assert.equal(await me(a, cookie), null, 'instance A no longer knows the cookie');
    assert.equal(await me(b, cookie), null);
  });

  test('a step-up token minted through A opens the guarded route through B, in that session only, until logout', async () => {
    const [a, b] = instances();
    const user = unique('token');
    const cookie = await login(a, user);
    const other = await login(b, user); // the same user in another session
    const enrolled = await api(a, 'POST', '/mfa/factors', { cookie, body: { type: 'totp' } });
    assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
    const step = currentStep();
    const confirmed = await api(b, 'POST', `/mfa/factors/${enrolled.body.factorId}/confirm`, { cookie, body: { code: codeAt(enrolled.body.secret, step) } });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    // The transfer route is bound: the challenge names the transaction the token will approve.
    const ch = await api(a, 'POST', '/mfa/challenges', { cookie, body: { resource: 'payments', action: 'transfer', details: { amount: '$5.00', to: 'Savings' } } });
    assert.equal(ch.status, 201, JSON.stringify(ch.body));
    const verified = await api(b, 'POST', `/mfa/challenges/${ch.body.challengeId}/resume`, {
      cookie, body: { answers: [{ guid: ch.body.challenges[0].guid, value: codeAt(enrolled.body.secret, step + 1) }] },
    });
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    const transfer = (demo, c) => fetch(demo.url + '/api/transfer', {
      method: 'POST',
      headers: { origin: demo.url, cookie: c, 'content-type': 'application/json', 'step-up-token': verified.body.token },
      body: JSON.stringify({ amount: 5, to: 'Savings' }),
    });
    assert.equal((await transfer(b, cookie)).status, 200, 'minted through A, accepted through B');
    assert.equal((await transfer(a, other)).status, 401, 'the same user\'s other session cannot use it');
    assert.equal((await api(b, 'POST', '/demo/logout', { cookie })).status, 204);
    assert.equal((await transfer(a, cookie)).status, 401, 'after logout (on B), refused on A');
  });

  test('the dev outbox: 401 without a session; with one, only that user\'s messages', async () => {
    const [a] = instances();
    const alice = unique('alice');
    const bob = unique('bob');
    const aliceCookie = await login(a, alice);
    const bobCookie = await login(a, bob);
    // Codes go out by "email" (to the outbox) when each adds an email factor.
    for (const [cookie, user] of [[aliceCookie, alice], [bobCookie, bob]]) {
      const res = await api(a, 'POST', '/mfa/factors', { cookie, body: { type: 'email', email: `${user}@example.com` } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }

    const anonymous = await api(a, 'GET', '/demo/outbox');
    assert.equal(anonymous.status, 401, 'no session, no codes');
    assert.equal(anonymous.body.error.code, 'unauthenticated');
    assert.equal(typeof anonymous.body.error.message, 'string');
    assert.ok(!JSON.stringify(anonymous.body).includes('example.com'), 'nobody\'s messages leak');

    for (const [cookie, user] of [[aliceCookie, alice], [bobCookie, bob]]) {
      const mine = await api(a, 'GET', '/demo/outbox', { cookie });
      assert.equal(mine.status, 200);
      assert.ok(mine.body.messages.length >= 1, `${user} sees the code sent to them`);
      for (const m of mine.body.messages) {
        assert.equal(m.sub, user);
        assert.equal(m.to, `${user}@example.com`);
      }
    }
    // A cookie that was logged out reads nothing either.
    await api(a, 'POST', '/demo/logout', { cookie: bobCookie });
    assert.equal((await api(a, 'GET', '/demo/outbox', { cookie: bobCookie })).status, 401);
  });

  test('over HTTPS only __Host-demo_session counts; over HTTP only demo_session', async () => {
    const [a] = instances();
    const alice = unique('https');
    const res = await api(a, 'POST', '/demo/login', { body: { username: alice }, https: true });
    assert.equal(res.status, 200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^__Host-demo_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    const value = valueOf(setCookie.split(';')[0]);
    assert.equal(await me(a, `__Host-demo_session=${value}`, { https: true }), alice);
    // The same value without the prefix (as a sibling host or plain HTTP could plant it) is refused over HTTPS.
    assert.equal(await me(a, `demo_session=${value}`, { https: true }), null, 'unprefixed cookie refused over HTTPS');
    // An unprefixed cookie sent first does not shadow the real one.
    const malloryName = unique('mallory');
    const mallory = await login(a, malloryName);
    assert.equal(await me(a, `${mallory}; __Host-demo_session=${value}`, { https: true }), alice);
    // Over HTTP, only the unprefixed name.
    assert.equal(await me(a, mallory), malloryName);
    assert.equal(await me(a, `__Host-demo_session=${valueOf(mallory)}`), null, '__Host- cookie is not read over HTTP');
  });
}

describe('demo sessions in Redis (MFA_STORE=redis://…)', { skip: redisSkip, timeout: 60_000 }, () => {
  const prefix = `mfa:e2e-sessions-${process.pid}-${Math.random().toString(36).slice(2)}:`;
  let a, b, client;

  before(async () => {
    if (!redisUrl) throw new Error('REDIS_URL must be set in CI (.ci/run starts Redis and exports it)');
    client = createClient({ url: redisUrl, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    await client.connect();
    const env = { MFA_STORE: redisUrl, MFA_REDIS_PREFIX: prefix, MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex') };
    a = await startDemo({ env, browser: false });
    b = await startDemo({ env, browser: false });
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    if (client?.isOpen) {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await client.del(keys);
      await client.close();
    }
  });

  const sessionKeys = async () => {
    const found = [];
    for await (const keys of client.scanIterator({ MATCH: `${prefix}demo:session:*`, COUNT: 500 })) found.push(...keys);
    return found;
  };

  sharedSessionTests(() => [a, b]);

  test('the session is a key under the prefix with a 12 h TTL, named by a hash of the cookie', async () => {
    assert.match(a.log(), /sessions: redis \(prefix mfa:e2e-sessions-.*demo:session:\)/);
    const before = new Set(await sessionKeys());
    const user = unique('stored');
    const cookie = await login(b, user);
    const added = (await sessionKeys()).filter((k) => !before.has(k));
    assert.equal(added.length, 1, 'one new session key');
    const [key] = added;
    assert.ok(!key.includes(valueOf(cookie)), 'the key is not the cookie value');
    assert.equal(await client.get(key), user, 'the key holds the user name (not the cookie)');
    const ttl = await client.pTTL(key);
    assert.ok(ttl > TWELVE_HOURS_MS - 60_000 && ttl <= TWELVE_HOURS_MS, `TTL ${ttl} ms`);
    // Logout deletes it from the shared store.
    assert.equal((await api(a, 'POST', '/demo/logout', { cookie })).status, 204);
    assert.equal(await client.exists(key), 0);
  });

});

describe('demo sessions in SQLite (two processes, one DATA_DIR)', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-e2e-sessions-'));
  let a, b;

  before(async () => {
    const env = { MFA_STORE: 'sqlite', DATA_DIR: dataDir, MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex') };
    a = await startDemo({ env, browser: false });
    b = await startDemo({ env, browser: false });
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  sharedSessionTests(() => [a, b]);

  test('sessions are rows of demo_sessions in DATA_DIR/demo.db, keyed by a hash of the cookie', async () => {
    assert.match(a.log(), /sessions: sqlite .*demo\.db/);
    const user = unique('row');
    const cookie = await login(b, user);
    assert.ok(existsSync(join(dataDir, 'demo.db')));
    const db = new Database(join(dataDir, 'demo.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT * FROM demo_sessions WHERE username = ?').all(user);
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(valueOf(cookie)), 'the cookie value is not stored');
      const ttl = rows[0].expires_at - Date.now();
      assert.ok(ttl > TWELVE_HOURS_MS - 60_000 && ttl <= TWELVE_HOURS_MS, `expires in ${ttl} ms`);
    } finally {
      db.close();
    }
    // Nor anywhere in the folder's files (database, WAL).
    for (const file of readdirSync(dataDir)) {
      assert.ok(!readFileSync(join(dataDir, file)).includes(valueOf(cookie)), `cookie value in ${file}`);
    }
  });
});
