/**
 * One real app instance for the multi-instance, outage and crash tests: the reference server
 * mounted at `/mfa` plus a guarded `POST /api/transfer` (and `POST /api/transfer-once`, which
 * takes one-time tokens) and a bound `POST /api/pay {amount, to}`, served by @hono/node-server on
 * 127.0.0.1:`PORT`. Prints `ready <port>` on stdout once listening.
 *
 *   node --import tsx test/helpers/instance-server.ts
 *
 * Environment:
 *   PORT              port to listen on (0 = any free port; the chosen one is printed)
 *   MFA_STORE_KIND    `redis` (default), `sqlite`, `postgres` or `postgres+redis`
 *   REDIS_URL         Redis to connect to (kind redis)
 *   MFA_STORE         `postgres://…` (kinds postgres and postgres+redis), as the demo reads it
 *   MFA_EPHEMERAL_STORE `redis://…` (kind postgres+redis): the ephemeral half of the split store
 *   MFA_PREFIX        key prefix in Redis (kinds redis and postgres+redis; default `mfa:`)
 *   DATA_DIR          folder of `mfa.db` (kind sqlite)
 *   MFA_KEY_HEX       64 hex digits: the encryption key for secrets at rest (shared by instances)
 *   ORIGIN            the one allowed Origin of state-changing requests
 *   MFA_MAX_FAILURES  lockout threshold (default: the server's own default, 10)
 *   MFA_CHALLENGES_PER_USER  when set, the per-user challenge limit (per 10 minutes) is on at
 *                     this many; off otherwise
 *   MFA_ADMIN_TOKEN   when set, the admin API and `/mfa/introspect` answer to it
 *   SMS_WEBHOOK_URL   when set, phone factors send their codes there (`webhookSender`), signed
 *                     with SMS_WEBHOOK_SECRET: the test's receiver reads them
 *
 * Sessions: the `x-test-user` header is the signed-in user. Every challenge asks for a code
 * (freshness `reuse: 'none'`) and challenge rate limits are off unless MFA_CHALLENGES_PER_USER
 * says otherwise: these tests fire hundreds of challenges per user on purpose.
 *
 * Imported (not run), the module only exports `startInstance` and `call`, the tests' launcher
 * and HTTP client for such processes, and `userSteps`, the few things a user does through one.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { STEP_UP_HEADER } from '../../src/core/types.js';
import { createMfaServer } from '../../src/server/mfa-server.js';
import { webhookSender } from '../../src/server/delivery/webhook-sender.js';
import { RedisStore } from '../../src/server/stores/redis-store.js';
import { SqliteStore } from '../../src/server/stores/sqlite-store.js';
import { connectStore } from '../../src/server/stores/connect-store.js';
import type { MfaStore } from '../../src/server/stores/store.js';
// @ts-expect-error: plain JS shared with the e2e tests (no declaration file); typed just below.
import * as authenticator from '../e2e/authenticator.mjs';
import { dropPrefix, redisUrl, uniquePrefix } from './redis-server.js';

/** An authenticator app's code for `step` (RFC 6238, SHA1, 6 digits), independent of the server's TOTP. */
export const codeAt: (secret: string, step: number) => string = authenticator.codeAt;
/** The wall clock's 30 s step. */
export const currentStep: (now?: number) => number = authenticator.currentStep;

/** A well-formed code that matches none of the steps a server could accept right now (real clock). */
export function wrongCode(secret: string): string {
  const now = currentStep();
  const near = new Set([-2, -1, 0, 1, 2].map((o) => codeAt(secret, now + o)));
  for (let n = 0; ; n++) {
    const c = String(n).padStart(6, '0');
    if (!near.has(c)) return c;
  }
}

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SELF), '../..');

async function main(): Promise<void> {
  const env = process.env;
  const keyHex = env.MFA_KEY_HEX ?? '';
  if (!/^[0-9a-f]{64}$/i.test(keyHex)) throw new Error('instance-server: MFA_KEY_HEX must be 64 hex digits');
  if (!env.ORIGIN) throw new Error('instance-server: ORIGIN is required');

  const kind = env.MFA_STORE_KIND ?? 'redis';
  let store: MfaStore;
  if (kind === 'sqlite') {
    if (!env.DATA_DIR) throw new Error('instance-server: DATA_DIR is required for sqlite');
    store = new SqliteStore({ path: join(env.DATA_DIR, 'mfa.db') });
  } else if (kind === 'redis') {
    if (!env.REDIS_URL) throw new Error('instance-server: REDIS_URL is required for redis');
    store = await RedisStore.connect({ url: env.REDIS_URL, prefix: env.MFA_PREFIX });
  } else if (kind === 'postgres' || kind === 'postgres+redis') {
    if (!env.MFA_STORE) throw new Error(`instance-server: MFA_STORE=postgres://… is required for ${kind}`);
    if (kind === 'postgres+redis' && !env.MFA_EPHEMERAL_STORE) throw new Error('instance-server: MFA_EPHEMERAL_STORE=redis://… is required for postgres+redis');
    store = await connectStore({
      url: env.MFA_STORE,
      ephemeralUrl: kind === 'postgres+redis' ? env.MFA_EPHEMERAL_STORE : undefined,
      redisPrefix: env.MFA_PREFIX,
    });
  } else {
    throw new Error(`instance-server: unknown MFA_STORE_KIND ${kind}`);
  }

  const maxFailures = env.MFA_MAX_FAILURES ? Number(env.MFA_MAX_FAILURES) : undefined;
  const mfa = createMfaServer({
    store,
    encryptionKey: Buffer.from(keyHex, 'hex'),
    authenticate: (req) => {
      const sub = req.headers.get('x-test-user');
      return sub ? { sub, sessionId: req.headers.get('x-test-session') || 'default' } : null;
    },
    origins: [env.ORIGIN],
    freshness: { reuse: 'none' },
    rateLimits: {
      challengesPerUser: env.MFA_CHALLENGES_PER_USER ? { limit: Number(env.MFA_CHALLENGES_PER_USER), windowMs: 10 * 60_000 } : false,
      challengesPerIp: false,
    },
    ...(maxFailures !== undefined && { lockout: { maxFailures } }),
    ...(env.MFA_ADMIN_TOKEN && { admin: { token: env.MFA_ADMIN_TOKEN } }),
    ...(env.SMS_WEBHOOK_URL && { sms: webhookSender({ url: env.SMS_WEBHOOK_URL, secret: env.SMS_WEBHOOK_SECRET ?? '' }) }),
  });

  const app = new Hono();
  app.route('/mfa', mfa.app);
  app.post('/api/transfer', mfa.requireStepUp({ resource: 'payments', action: 'transfer' }), (c) =>
    c.json({ ok: true, by: c.get('stepUp').sub, pid: process.pid }));
  // The same scope again (tokens are one-time by default): a token spent here or on
  // /api/transfer, on any instance, is refused after.
  app.post('/api/transfer-once', mfa.requireStepUp({ resource: 'payments', action: 'transfer' }), (c) =>
    c.json({ ok: true, by: c.get('stepUp').sub, pid: process.pid }));
  // The same scope with reusable tokens (`reusable: true`): a token opens it until it expires.
  app.post('/api/transfer-reusable', mfa.requireStepUp({ resource: 'payments', action: 'transfer', reusable: true }), (c) =>
    c.json({ ok: true, by: c.get('stepUp').sub, pid: process.pid }));

  // A bound route (docs/server.md "Binding a step-up to the transaction"): the token approves
  // exactly this amount and payee; the handler still reads the body the guard read a copy of.
  app.post('/api/pay', mfa.requireStepUp({
    resource: 'payments', action: 'pay', describe: 'Send money',
    bind: async (req) => {
      const { amount, to } = (await req.json()) as { amount: unknown; to: unknown };
      return { amount: String(amount), to: String(to) };
    },
  }), async (c) => c.json({ ok: true, paid: await c.req.json(), pid: process.pid }));

  const server = serve({ fetch: app.fetch, port: Number(env.PORT ?? 0), hostname: '127.0.0.1' }, (info) => {
    process.stdout.write(`ready ${info.port}\n`);
  });
  const stop = () => server.close(() => void mfa.close().finally(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const isMain = !!process.argv[1] && resolve(process.argv[1]) === SELF;
if (isMain) await main();

// ─── Launcher and client, for the tests ──────────────────────────────────────────────────────

export const TEST_ORIGIN = 'http://app.test';

export interface Instance {
  url: string;
  port: number;
  proc: ChildProcess;
  /** stdout + stderr so far (for failure messages). */
  output(): string;
  /** Resolves when the process has exited (at once if it already has). */
  exited(): Promise<void>;
  /** SIGKILL (a crash); resolves once the process is gone. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
const killLive = () => {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
};
if (!isMain) {
  // Last resort: a test process that ends without its `after` hooks (an uncaught error, or the
  // runner stopping it) still takes its servers along.
  process.once('exit', killLive);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killLive();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
}

/** Starts `node --import tsx test/helpers/instance-server.ts` with `env`; resolves on `ready`. */
export function startInstance(env: Record<string, string>, timeoutMs = 60_000): Promise<Instance> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SELF], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ORIGIN: TEST_ORIGIN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let out = '';
  const gone = new Promise<void>((r) => proc.once('exit', () => { live.delete(proc); r(); }));
  const exited = () => (proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : gone);
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited();
  };
  return new Promise<Instance>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`instance did not print "ready" within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    proc.stderr!.on('data', (d) => (out += d));
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /^ready (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolvePromise({ url: `http://127.0.0.1:${port}`, port, proc, output: () => out, exited, kill });
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`instance exited (${code ?? signal}) before "ready":\n${out}`));
    });
  });
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
  /** Round-trip time in ms. */
  ms: number;
}

export interface CallOptions {
  user?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Abort after this many ms (default 5 s): a hanging server fails the test instead of stalling it. */
  timeoutMs?: number;
}

/** One HTTP request as a browser on TEST_ORIGIN would send it; the body is parsed when JSON. */
export async function call(base: string, method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { origin: TEST_ORIGIN, ...opts.headers };
  if (opts.user !== undefined) headers['x-test-user'] = opts.user;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const started = performance.now();
  const res = await fetch(base + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').startsWith('application/json')) body = JSON.parse(text);
  return { status: res.status, body, headers: res.headers, ms };
}

export const show = (a: Answer) => `${a.status} ${JSON.stringify(a.body)}`;

/**
 * The one answer a store outage may produce: a 503 `{error:{code:'unavailable', message}}` whose
 * message names no store, driver, socket or stack. That it did not wait for the store is a
 * structural fact, not a measured one: the outage tests send and await every request while the
 * store is still down (it comes back only after), and `call` aborts a request that gets no
 * answer (`timeoutMs`), so an answer that waited for the store would never have arrived.
 */
export function assertGeneric503(a: Answer, what: string): void {
  assert.equal(a.status, 503, `${what}: ${show(a)}`);
  assert.match(a.headers.get('content-type') ?? '', /^application\/json/, what);
  assert.deepEqual(Object.keys(a.body), ['error'], what);
  assert.deepEqual(Object.keys(a.body.error).sort(), ['code', 'message'], what);
  assert.equal(a.body.error.code, 'unavailable', what);
  assert.equal(typeof a.body.error.message, 'string');
  assert.doesNotMatch(a.body.error.message, /redis|postgres|pg_|econn|socket|closed|offline|terminat|connection|stack|\bat\s|\n|:\d+/i, `${what} leaks detail: ${a.body.error.message}`);
}

/** The guarded route's scope (`POST /api/transfer`). */
export const SCOPE = { resource: 'payments', action: 'transfer' };

export interface PendingChallenge {
  id: string;
  guid: string;
}

/**
 * What a user does through an instance at `base()` (read at each call: the instance is started in
 * a `before` hook): enroll an authenticator app, start a step-up, answer it, use the token.
 */
export function userSteps(base: () => string) {
  return {
    /** Adds and confirms a TOTP factor with the current step's code → its secret and that step. */
    async enroll(user: string): Promise<{ secret: string; step: number }> {
      const e = await call(base(), 'POST', '/mfa/factors', { user, body: { type: 'totp' } });
      assert.equal(e.status, 201, show(e));
      const step = currentStep();
      const c = await call(base(), 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { user, body: { code: codeAt(e.body.secret, step) } });
      assert.equal(c.status, 200, show(c));
      assert.equal(c.body.recoveryCodes?.length, 10, 'a first factor comes with recovery codes');
      return { secret: e.body.secret as string, step };
    },
    async startChallenge(user: string): Promise<PendingChallenge> {
      const r = await call(base(), 'POST', '/mfa/challenges', { user, body: SCOPE });
      assert.equal(r.status, 201, show(r));
      return { id: r.body.challengeId as string, guid: r.body.challenges[0].guid as string };
    },
    resume: (user: string, ch: PendingChallenge, value: string) =>
      call(base(), 'POST', `/mfa/challenges/${ch.id}/resume`, { user, body: { answers: [{ guid: ch.guid, value }] } }),
    transfer: (user: string, token?: string) =>
      call(base(), 'POST', '/api/transfer', { user, headers: token ? { [STEP_UP_HEADER]: token } : {} }),
  };
}

/**
 * Two `startInstance` servers sharing one Redis (a private key prefix, one at-rest key), started
 * before the enclosing suite's tests and stopped, with their keys dropped, after them. Call it
 * inside `describe`; read the pair from the returned function once the tests run.
 */
export function instancesOnRedis(name: string): () => [Instance, Instance] {
  let pair: [Instance, Instance];
  let url: string;
  const prefix = uniquePrefix(name);
  before(async () => {
    url = await redisUrl();
    const env = { MFA_STORE_KIND: 'redis', REDIS_URL: url, MFA_PREFIX: prefix, MFA_KEY_HEX: randomBytes(32).toString('hex') };
    pair = (await Promise.all([startInstance(env), startInstance(env)])) as [Instance, Instance];
  });
  after(async () => {
    await Promise.all(pair.map((i) => i.kill()));
    await dropPrefix(url, prefix);
  });
  return () => pair;
}
