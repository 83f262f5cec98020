/**
 * `mfa-elements serve`: the standalone service, started as a real process configured by
 * environment and spoken to over HTTP as a browser and another backend would (docs/service.md).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { codeAt, currentStep } from '../helpers/instance-server.js';
import { runCli, startService, type ServiceProcess } from '../helpers/service-process.js';
import { ConfigError, parseServiceEnv } from '../../src/server/service/env-config.js';

const SECRET = 'a-session-secret-of-at-least-32-bytes!!';
const ADMIN = 'admin-token-0123456789abcdef0123456789';
const APP = 'https://app.example.test';
const KEY = 'ab'.repeat(32);
const CLIENT_SECRET = 'client+secret/with:odd=chars-0123456789';
/** RFC 6749 §2.3.1: id and secret form-urlencoded, then Basic. */
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

const assertion = (sub: string, sid = `session-of-${sub}`, secret = SECRET) =>
  new SignJWT({ sid }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(secret));

async function http(base: string, method: string, path: string, opts: { auth?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(method !== 'GET' && { origin: APP }),
      ...(opts.auth && { authorization: `Bearer ${opts.auth}` }),
      ...(opts.body !== undefined && { 'content-type': 'application/json' }),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
}

describe('mfa-elements serve: configuration errors stop start-up with one line', () => {
  const ok = { MFA_SESSION_SECRET: SECRET, MFA_ENCRYPTION_KEY: KEY, MFA_STORE: ':memory:' };
  const cases: [string, Record<string, string>, RegExp][] = [
    ['no session secret or JWKS', { MFA_ENCRYPTION_KEY: KEY }, /MFA_SESSION_SECRET .*or MFA_SESSION_JWKS_URL/],
    ['both secret and JWKS', { ...ok, MFA_SESSION_JWKS_URL: 'https://idp.example/jwks' }, /only one of/],
    ['malformed JWKS URL', { MFA_ENCRYPTION_KEY: KEY, MFA_SESSION_JWKS_URL: 'not a url' }, /MFA_SESSION_JWKS_URL is not a URL/],
    ['short session secret', { ...ok, MFA_SESSION_SECRET: 'short' }, /MFA_SESSION_SECRET must be at least 32 bytes/],
    ['http issuer in production', { ...ok, NODE_ENV: 'production', MFA_ORIGINS: APP, MFA_ISSUER: 'http://mfa.example' }, /MFA_ISSUER must be an https URL/],
    ['no origins in production', { ...ok, NODE_ENV: 'production', MFA_ISSUER: 'https://mfa.example' }, /MFA_ORIGINS is required/],
    ['bad encryption key', { ...ok, MFA_ENCRYPTION_KEY: 'abc' }, /MFA_ENCRYPTION_KEY must be 32 bytes/],
    ['short admin token', { ...ok, MFA_ADMIN_TOKEN: 'letmein' }, /MFA_ADMIN_TOKEN must be at least 32/],
    ['origin with a path', { ...ok, MFA_ORIGINS: 'https://app.example/x' }, /is not an origin/],
    ['unknown store scheme', { ...ok, MFA_STORE: 'mysql://u:p@db/x' }, /MFA_STORE: unsupported scheme/],
    ['bad port', { ...ok, PORT: 'eighty' }, /PORT must be a port number/],
    ['colon in the app name', { ...ok, MFA_APP_NAME: 'Acme: Bank' }, /MFA_APP_NAME must be non-empty and must not contain ":"/],
    ['bad token alg', { ...ok, MFA_TOKEN_ALG: 'HS256' }, /MFA_TOKEN_ALG must be EdDSA or Ed25519/],
  ];
  // Each case in-process (the parser the CLI runs), and the done-when's three (and an encryption key) as the real command: exit code 2, one line.
  const spawned = new Set(['no session secret or JWKS', 'malformed JWKS URL', 'http issuer in production', 'bad encryption key']);
  for (const [name, env, message] of cases) {
    test(name, async () => {
      assert.throws(() => parseServiceEnv({ NODE_ENV: 'test', ...env }), (err: Error) => err instanceof ConfigError && message.test(err.message));
      if (!spawned.has(name)) return;
      const r = await runCli(['serve'], env);
      assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${r.stderr}`);
      assert.match(lines[0]!, /^mfa-elements: configuration error: /);
      assert.match(lines[0]!, message);
      assert.equal(r.stdout, '');
    });
  }

  test('MFA_EPHEMERAL_STORE without a Postgres MFA_STORE, or not Redis, is refused', () => {
    assert.throws(() => parseServiceEnv({ NODE_ENV: 'test', ...ok, MFA_EPHEMERAL_STORE: 'redis://127.0.0.1:6379' }),
      (err: Error) => err instanceof ConfigError && /MFA_EPHEMERAL_STORE needs MFA_STORE=postgres/.test(err.message));
    assert.throws(() => parseServiceEnv({ NODE_ENV: 'test', ...ok, MFA_STORE: 'postgres://db/x', MFA_EPHEMERAL_STORE: 'postgres://u:pw@db/y' }),
      (err: Error) => err instanceof ConfigError && /MFA_EPHEMERAL_STORE must be redis/.test(err.message) && !err.message.includes('pw'));
  });

  test('MFA_PG_PREPARED_STATEMENTS: on or off, with a Postgres MFA_STORE only', () => {
    const pg = { NODE_ENV: 'test', ...ok, MFA_STORE: 'postgres://db/x' };
    const spec = (extra: Record<string, string>) => parseServiceEnv({ ...pg, ...extra }).store as { preparedStatements?: boolean };
    assert.equal(spec({ MFA_PG_PREPARED_STATEMENTS: 'on' }).preparedStatements, true);
    assert.equal(spec({ MFA_PG_PREPARED_STATEMENTS: 'off' }).preparedStatements, false);
    assert.equal(spec({}).preparedStatements, undefined, 'unset: the store default (off)');
    assert.throws(() => parseServiceEnv({ ...pg, MFA_PG_PREPARED_STATEMENTS: 'yes' }),
      (err: Error) => err instanceof ConfigError && /MFA_PG_PREPARED_STATEMENTS must be on or off, got "yes"/.test(err.message));
    assert.throws(() => parseServiceEnv({ NODE_ENV: 'test', ...ok, MFA_PG_PREPARED_STATEMENTS: 'on' }),
      (err: Error) => err instanceof ConfigError && /needs MFA_STORE=postgres/.test(err.message));
  });

  test('an unreachable postgres:// stops start-up with one line that does not echo the password', async () => {
    const r = await runCli(['serve'], { ...ok, MFA_STORE: 'postgres://mfa:hunter2secret@127.0.0.1:1/none' }, 20_000);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), /^mfa-elements: cannot start: /);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.doesNotMatch(r.stderr, /hunter2secret/);
  });
});

describe('mfa-elements serve: a browser and another backend over HTTP', () => {
  let svc: ServiceProcess;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mfa-service-'));
    svc = await startService({
      MFA_SESSION_SECRET: SECRET, MFA_ENCRYPTION_KEY: KEY, MFA_STORE: join(dir, 'mfa.db'), MFA_ORIGINS: APP,
      MFA_ADMIN_TOKEN: ADMIN, MFA_SESSION_COOKIE: 'mfa_session', MFA_INTROSPECTION_CLIENTS: `flask-app:${CLIENT_SECRET}`,
    });
  });
  after(async () => {
    await svc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('unknown /mfa paths are 404 before any session check; known ones need the assertion', async () => {
    assert.equal((await http(svc.url, 'GET', '/mfa/nope')).status, 404);
    assert.deepEqual((await http(svc.url, 'GET', '/mfa/.well-known/openid-configuration')).body.error.code, 'not_found');
    assert.equal((await http(svc.url, 'GET', '/mfa/factors')).body.error.code, 'unauthenticated');
    // Signed with another secret, or a step-up token: no session.
    assert.equal((await http(svc.url, 'GET', '/mfa/factors', { auth: await assertion('eve', 's', 'another-secret-of-at-least-32-bytes!!!') })).status, 401);
    assert.equal((await http(svc.url, 'GET', '/mfa/factors', { auth: await assertion('alice') })).status, 200);
    // The cookie named by MFA_SESSION_COOKIE carries it too.
    assert.equal((await http(svc.url, 'GET', '/mfa/factors', { headers: { cookie: `x=1; mfa_session=${await assertion('alice')}` } })).status, 200);
  });

  test('CORS: credentials for MFA_ORIGINS only', async () => {
    const pre = await fetch(`${svc.url}/mfa/challenges`, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    assert.equal(pre.headers.get('access-control-allow-origin'), APP);
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const other = await fetch(`${svc.url}/mfa/challenges`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    // And a state-changing request from another origin is refused (CSRF), whatever CORS says.
    const post = await http(svc.url, 'POST', '/mfa/factors', { auth: await assertion('alice'), body: { type: 'totp' }, headers: { origin: 'https://evil.example' } });
    assert.equal(post.body.error.code, 'forbidden_origin');
  });

  test('enroll, step up, verify the token with the discovery document and JWKS, introspect and consume it', async () => {
    const auth = await assertion('carol');
    const e = await http(svc.url, 'POST', '/mfa/factors', { auth, body: { type: 'totp' } });
    assert.equal(e.status, 201);
    const step = currentStep();
    assert.equal((await http(svc.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { auth, body: { code: codeAt(e.body.secret, step) } })).status, 200);
    const ch = await http(svc.url, 'POST', '/mfa/challenges', { auth, body: { resource: 'payments', action: 'transfer' } });
    assert.equal(ch.status, 201);
    const v = await http(svc.url, 'POST', `/mfa/challenges/${ch.body.challengeId}/resume`, { auth, body: { answers: [{ guid: ch.body.challenges[0].guid, value: codeAt(e.body.secret, step + 1) }] } });
    assert.equal(v.status, 200, JSON.stringify(v.body));

    const disco = await http(svc.url, 'GET', '/mfa/.well-known/mfa-configuration');
    assert.equal(disco.status, 200);
    assert.match(disco.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
    const port = new URL(svc.url).port;
    assert.equal(disco.body.issuer, `http://localhost:${port}`, 'default issuer: the service origin');
    assert.equal(disco.body.jwks_uri, `http://localhost:${port}/mfa/jwks.json`);
    assert.equal(disco.body.introspection_endpoint, `http://localhost:${port}/mfa/introspect`);
    assert.equal(disco.body.token_header, 'Step-Up-Token');
    assert.equal(disco.body.token_type, 'mfa-step-up+jwt');
    assert.deepEqual(disco.body.acr_values_supported, ['mfa', 'phr']); // phr: passkeys are on
    assert.equal(disco.body.default_max_age, 300);

    const jwks = createRemoteJWKSet(new URL('/mfa/jwks.json', svc.url));
    const { payload } = await jwtVerify(v.body.token, jwks, { issuer: disco.body.issuer, audience: disco.body.token_audience, typ: disco.body.token_type, algorithms: disco.body.token_signing_alg_values_supported });
    assert.equal(payload.sub, 'carol');

    const introspect = (body: string, auth = `Bearer ${ADMIN}`) => fetch(`${svc.url}/mfa/introspect`, {
      method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body,
    }).then(async (r) => ({ status: r.status, body: await r.json() as any }));
    assert.equal((await introspect(`token=${v.body.token}`, basic('flask-app', 'wrong-secret-0123456789-0123456789'))).status, 401);
    assert.equal((await introspect(`token=${v.body.token}`, basic('other-app', CLIENT_SECRET))).status, 401);
    // Client credentials are for introspection only.
    assert.equal((await http(svc.url, 'GET', '/mfa/admin/users/carol/factors', { headers: { authorization: basic('flask-app', CLIENT_SECRET) } })).status, 401);
    const first = await introspect(`token=${v.body.token}`, basic('flask-app', CLIENT_SECRET));
    assert.equal(first.status, 200);
    assert.equal(first.body.active, true);
    assert.equal(first.body.sub, 'carol');
    assert.equal(first.body.resource, 'payments');
    assert.equal(first.body.consumed, false);
    assert.equal((await introspect(`token=${v.body.token}&consume=true`)).body.consumed, true);
    assert.deepEqual((await introspect(`token=${v.body.token}`)).body, { active: false });
    assert.deepEqual((await introspect(`token=${v.body.token}&consume=true`)).body, { active: false });
    assert.equal((await introspect(`token=${v.body.token}`, 'Bearer wrong-admin-token-0123456789abcdefghij')).status, 401);

    // The CLI drives the admin API of this running service.
    const cli = await runCli(['admin', 'factors', 'carol'], { MFA_URL: svc.url, MFA_ADMIN_TOKEN: ADMIN });
    assert.equal(cli.code, 0, cli.stderr);
    const listed = JSON.parse(cli.stdout);
    assert.equal(listed.sub, 'carol');
    assert.equal(listed.factors.length, 1);
    assert.equal(listed.factors[0].type, 'totp');
    const denied = await runCli(['admin', 'factors', 'carol'], { MFA_URL: svc.url, MFA_ADMIN_TOKEN: 'x'.repeat(40) });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /401 unauthenticated/);
  });

  test('admin unlock, reset and audit from the CLI: what an operator sees', async () => {
    const env = { MFA_URL: svc.url, MFA_ADMIN_TOKEN: ADMIN };
    const cli = async (...args: string[]) => {
      const r = await runCli(args, env);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      return JSON.parse(r.stdout);
    };
    // Ulla locks herself out with wrong codes.
    const auth = await assertion('ulla');
    const e = await http(svc.url, 'POST', '/mfa/factors', { auth, body: { type: 'totp' } });
    assert.equal((await http(svc.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { auth, body: { code: codeAt(e.body.secret, currentStep()) } })).status, 200);
    const near = new Set([-1, 0, 1, 2].map((d) => codeAt(e.body.secret, currentStep() + d)));
    const wrong = ['000000', '111111', '222222'].find((c) => !near.has(c))!;
    let locked = false;
    for (let i = 0; i < 20 && !locked; i++) {
      const ch = await http(svc.url, 'POST', '/mfa/challenges', { auth, body: { resource: 'account', action: 'delete' } });
      if (ch.status === 423) locked = true;
      else {
        assert.equal(ch.status, 201, JSON.stringify(ch.body));
        await http(svc.url, 'POST', `/mfa/challenges/${ch.body.challengeId}/resume`, { auth, body: { answers: [{ guid: ch.body.challenges[0].guid, value: wrong }] } });
      }
    }
    assert.ok(locked, 'locked out');
    assert.notEqual((await cli('admin', 'factors', 'ulla')).factors[0].lockedUntil, null, 'the operator sees the lock');

    // unlock: the answer says how many locks were lifted, and she can step up again.
    assert.deepEqual(await cli('admin', 'unlock', 'ulla'), { unlocked: 1 });
    assert.equal((await cli('admin', 'factors', 'ulla')).factors[0].lockedUntil, null);
    assert.equal((await http(svc.url, 'POST', '/mfa/challenges', { auth, body: { resource: 'account', action: 'delete' } })).status, 201);

    // reset: factors and recovery codes gone.
    assert.deepEqual(await cli('admin', 'reset', 'ulla'), { removedFactors: 1, removedRecoveryCodes: 10 });
    const after = await cli('admin', 'factors', 'ulla');
    assert.deepEqual([after.factors, after.recoveryCodesLeft], [[], 0]);
    assert.deepEqual((await http(svc.url, 'GET', '/mfa/factors', { auth })).body.factors, []);

    // audit --limit 5: the newest five events, newest first, the reset and the unlock on top.
    const audit = await cli('admin', 'audit', 'ulla', '--limit', '5');
    assert.equal(audit.events.length, 5);
    assert.deepEqual(audit.events.slice(0, 2).map((ev: { type: string; severity: string }) => [ev.type, ev.severity]), [['admin.reset', 'critical'], ['admin.unlock', 'warning']]);
    assert.ok(audit.events.every((ev: { sub: string }) => ev.sub === 'ulla'));
    const all = await cli('admin', 'audit', 'ulla');
    assert.ok(all.events.length > 5, `more than five events in all (${all.events.length})`);
    assert.deepEqual(all.events.slice(0, 5), audit.events);

    // Mistakes: one line on stderr, exit 1 (the service refused) or 2 (usage).
    const bad = await runCli(['admin', 'audit', 'ulla', '--limit', 'ten'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^mfa-elements: GET \/admin\/users\/ulla\/audit\?limit=ten → 400 malformed_request: limit: .+\n$/);
    assert.equal(bad.stdout, '');
    const usage = await runCli(['admin', 'reset'], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^mfa-elements: usage: mfa-elements <command>/);
    const noToken = await runCli(['admin', 'unlock', 'ulla'], { MFA_URL: svc.url });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /^mfa-elements: set MFA_ADMIN_TOKEN/);
  });

  test('keys rotate / keys list from the CLI: the next key is published, the current one still signs', async () => {
    const env = { MFA_URL: svc.url, MFA_ADMIN_TOKEN: ADMIN };
    const before = JSON.parse((await runCli(['keys', 'list'], env)).stdout) as { keys: { kid: string; state: string }[] };
    const active = before.keys.find((k) => k.state === 'active')!;
    const rotated = await runCli(['keys', 'rotate'], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    const { kid } = JSON.parse(rotated.stdout) as { kid: string };
    const after = JSON.parse((await runCli(['keys', 'list'], env)).stdout) as { keys: { kid: string; state: string }[] };
    assert.deepEqual(after.keys.filter((k) => k.state !== 'retired').map((k) => [k.kid, k.state]), [[active.kid, 'active'], [kid, 'next']]);
    const jwks = (await http(svc.url, 'GET', '/mfa/jwks.json')).body as { keys: { kid: string }[] };
    assert.deepEqual(jwks.keys.map((k) => k.kid), [active.kid, kid]);
  });

  test('an assertion minted by a Python app with PyJWT works', { skip: !hasPyJwt() && 'python3-jwt not installed' }, async () => {
    const py = `import jwt, time; print(jwt.encode({"sub": "dave", "sid": "django-session-1", "exp": int(time.time()) + 600}, "${SECRET}", algorithm="HS256"))`;
    const token = execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' }).trim();
    const res = await http(svc.url, 'GET', '/mfa/factors', { auth: token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.factors, []);
  });
});

function hasPyJwt(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import jwt'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('mfa-elements serve with MFA_SESSION_JWKS_URL (the app\'s or its IdP\'s keys)', () => {
  let idp: Server;
  let svc: ServiceProcess;
  let sign: (sub: string) => Promise<string>;
  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'app-1', alg: 'ES256', use: 'sig' };
    sign = (sub) => new SignJWT({ sid: 'rails-session' }).setProtectedHeader({ alg: 'ES256', kid: 'app-1' }).setSubject(sub).setAudience('mfa').setExpirationTime('5m').sign(privateKey);
    idp = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ keys: [jwk] })); });
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    const { port } = idp.address() as { port: number };
    svc = await startService({ MFA_SESSION_JWKS_URL: `http://127.0.0.1:${port}/jwks`, MFA_SESSION_AUDIENCE: 'mfa', MFA_ENCRYPTION_KEY: KEY, MFA_STORE: ':memory:', MFA_ORIGINS: APP });
  });
  after(async () => {
    await svc?.stop();
    idp?.close();
  });

  test('accepts an ES256 assertion from the JWKS, refuses an HS256 one and a wrong audience', async () => {
    assert.equal((await http(svc.url, 'GET', '/mfa/factors', { auth: await sign('erin') })).status, 200);
    assert.equal((await http(svc.url, 'GET', '/mfa/factors', { auth: await assertion('erin') })).status, 401);
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ sid: 's' }).setProtectedHeader({ alg: 'ES256', kid: 'app-1' }).setSubject('erin').setAudience('mfa').setExpirationTime('5m').sign(privateKey);
    assert.equal((await http(svc.url, 'GET', '/mfa/factors', { auth: forged })).status, 401);
  });
});

test('bin/mfa-elements.mjs without a build says how to build, instead of a module trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-bin-'));
  try {
    execFileSync('mkdir', ['-p', join(dir, 'bin')]);
    execFileSync('cp', [new URL('../../bin/mfa-elements.mjs', import.meta.url).pathname, join(dir, 'bin/')]);
    let stderr = '';
    let code = 0;
    try {
      execFileSync(process.execPath, [join(dir, 'bin/mfa-elements.mjs'), 'serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      code = (err as { status: number }).status;
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    assert.equal(code, 1);
    assert.match(stderr.trim(), /^mfa-elements: .*dist\/server\/cli\/main\.js is missing; build it first: \(cd .* && npm run build\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('mfa-elements serve with MFA_STORE=redis://…', () => {
  test('two services on one Redis share keys and users', async () => {
    const { redisUrl, uniquePrefix, dropPrefix } = await import('../helpers/redis-server.js');
    const url = await redisUrl();
    const prefix = uniquePrefix('service');
    const env = { MFA_SESSION_SECRET: SECRET, MFA_ENCRYPTION_KEY: KEY, MFA_STORE: url, MFA_REDIS_PREFIX: prefix, MFA_ORIGINS: APP, MFA_ISSUER: 'http://mfa.test' };
    const [one, two] = await Promise.all([startService(env), startService(env)]);
    try {
      const auth = await assertion('gus');
      const e = await http(one.url, 'POST', '/mfa/factors', { auth, body: { type: 'totp' } });
      assert.equal(e.status, 201);
      assert.equal((await http(two.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { auth, body: { code: codeAt(e.body.secret, currentStep()) } })).status, 200);
      assert.equal((await http(one.url, 'GET', '/mfa/factors', { auth })).body.factors.length, 1);
      const k1 = (await http(one.url, 'GET', '/mfa/jwks.json')).body;
      assert.deepEqual((await http(two.url, 'GET', '/mfa/jwks.json')).body, k1);
      assert.equal((await http(two.url, 'GET', '/mfa/.well-known/mfa-configuration')).body.issuer, 'http://mfa.test');
    } finally {
      await Promise.all([one.stop(), two.stop()]);
      await dropPrefix(url, prefix);
    }
  });
});

describe('mfa-elements serve with MFA_STORE=postgres://… (and MFA_EPHEMERAL_STORE=redis://…)', () => {
  const base = { MFA_SESSION_SECRET: SECRET, MFA_ENCRYPTION_KEY: KEY, MFA_ORIGINS: APP, MFA_ADMIN_TOKEN: ADMIN };

  /** Enrolls and confirms a TOTP factor on `a`, reads it back on `b`, rotates the keys and reads the JWKS. */
  async function roundTrip(a: ServiceProcess, b: ServiceProcess, sub: string) {
    const auth = await assertion(sub);
    const e = await http(a.url, 'POST', '/mfa/factors', { auth, body: { type: 'totp' } });
    assert.equal(e.status, 201, JSON.stringify(e.body));
    assert.equal((await http(b.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { auth, body: { code: codeAt(e.body.secret, currentStep()) } })).status, 200);
    assert.equal((await http(b.url, 'GET', '/mfa/factors', { auth })).body.factors.length, 1);
    const first = (await http(a.url, 'GET', '/mfa/jwks.json')).body as { keys: { kid: string }[] };
    assert.equal(first.keys.length, 1);
    const rotated = await runCli(['keys', 'rotate'], { MFA_URL: a.url, MFA_ADMIN_TOKEN: ADMIN });
    assert.equal(rotated.code, 0, rotated.stderr);
    const { kid } = JSON.parse(rotated.stdout) as { kid: string };
    // The other instance publishes the rotated-in key too: it reads the keys from Postgres.
    const jwks = (await http(b.url, 'GET', '/mfa/jwks.json')).body as { keys: { kid: string }[] };
    assert.deepEqual(jwks.keys.map((k) => k.kid), [first.keys[0]!.kid, kid]);
  }

  test('two services on one Postgres share users and keys', async () => {
    const { createDatabase } = await import('../helpers/postgres-server.js');
    const db = await createDatabase('service');
    const env = { ...base, MFA_STORE: db.url };
    const [one, two] = await Promise.all([startService(env), startService(env)]);
    try {
      await roundTrip(one, two, 'hana');
    } finally {
      await Promise.all([one.stop(), two.stop()]);
      await db.drop();
    }
  });

  test('Postgres with Redis beside it: challenges and counters in Redis, users and keys in Postgres', async () => {
    const { createDatabase } = await import('../helpers/postgres-server.js');
    const { redisUrl, uniquePrefix, dropPrefix } = await import('../helpers/redis-server.js');
    const [db, redis] = await Promise.all([createDatabase('service_split'), redisUrl()]);
    const prefix = uniquePrefix('service-split');
    const env = { ...base, MFA_STORE: db.url, MFA_EPHEMERAL_STORE: redis, MFA_REDIS_PREFIX: prefix };
    const [one, two] = await Promise.all([startService(env), startService(env)]);
    try {
      await roundTrip(one, two, 'ines');
      // The confirmation's attempt counter went to Redis; the factor and keys to Postgres.
      const { createClient } = await import('redis');
      const r = createClient({ url: redis });
      await r.connect();
      try {
        assert.ok((await r.keys(`${prefix}*`)).length > 0, 'ephemeral records in Redis');
      } finally {
        await r.quit();
      }
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        assert.equal((await c.query("SELECT count(*)::int AS n FROM factors WHERE sub = 'ines'")).rows[0].n, 1);
        assert.equal((await c.query('SELECT count(*)::int AS n FROM signing_keys')).rows[0].n, 2);
        assert.equal((await c.query('SELECT count(*)::int AS n FROM failures')).rows[0].n, 0, 'no counters in Postgres');
      } finally {
        await c.end();
      }
    } finally {
      await Promise.all([one.stop(), two.stop()]);
      await Promise.all([db.drop(), dropPrefix(redis, prefix)]);
    }
  });
});
