/**
 * Test harness of the reference server: a frozen clock, an in-memory store, the `/mfa` app and
 * three guarded app routes, and helpers that speak the HTTP protocol of docs/server.md "HTTP protocol".
 *
 * Every helper goes through `app.request` (the real Hono routing, middleware and error mapping);
 * nothing reaches into the services directly except where a test says so.
 */
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import type { VerifiedResponse } from '../../src/core/types.js';
import type { MfaServerOptions } from '../../src/server/config.js';
import { createMfaServer, type MfaServer } from '../../src/server/mfa-server.js';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
import type { MfaStore } from '../../src/server/stores/store.js';
import { timeStep } from '../../src/server/totp/totp.js';
import { hotpCode } from '../helpers/otp.mjs';

/** 10 s into a 30 s step, so `advance(30_000)` lands 10 s into the next one. */
export const T0 = Math.floor(1_900_000_000_000 / 30_000) * 30_000 + 10_000;
export const ORIGIN = 'http://localhost';
export const STEP_MS = 30_000;

export interface RequestOptions {
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  /** Sent as is (string or bytes), overriding `body`. */
  raw?: string | Uint8Array;
  /** Value of `x-test-user`; no session when undefined. */
  user?: string;
  /** Extra headers; a value of `null` removes a default (`origin`, `content-type`). */
  headers?: Record<string, string | null>;
}

export interface Enrolled {
  factorId: string;
  /** Base32 as the server showed it. */
  secret: string;
  otpauthUri: string;
  recoveryCodes: string[] | undefined;
}

export type Harness = ReturnType<typeof makeServer>;

export function makeServer(overrides: Partial<MfaServerOptions> = {}) {
  let clock = T0;
  const mfa: MfaServer = createMfaServer({
    store: new MemoryStore(),
    encryptionKey: Buffer.alloc(32, 7),
    now: () => clock,
    authenticate: (req) => {
      const u = req.headers.get('x-test-user');
      // Every request names its app session (required); `x-test-session` picks another one.
      return u ? { sub: u, sessionId: req.headers.get('x-test-session') || 'default' } : null;
    },
    // These suites test code verification, so every challenge must ask for a code; the
    // freshness suite (freshness.test.ts) passes its own policy.
    freshness: { reuse: 'none' },
    ...overrides,
  });

  const app = new Hono();
  app.route('/mfa', mfa.app);
  app.post('/api/transfer', mfa.requireStepUp({ resource: 'payments', action: 'transfer' }), (c) => c.json({ ok: true }));
  // The same scope with reusable tokens, for tests about expiry and max_age boundaries.
  app.post('/api/transfer-reusable', mfa.requireStepUp({ resource: 'payments', action: 'transfer', reusable: true }), (c) => c.json({ ok: true }));
  app.delete('/api/account', mfa.requireStepUp({ resource: 'account', action: 'delete' }), (c) => c.json({ ok: true }));
  app.post('/api/recent-transfer', mfa.requireStepUp({ resource: 'payments', action: 'transfer', maxAge: 60 }), (c) => c.json({ ok: true }));

  async function request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    const hasBody = opts.raw !== undefined || opts.body !== undefined;
    if (method !== 'GET' && method !== 'HEAD') headers.origin = ORIGIN;
    if (hasBody) headers['content-type'] = 'application/json';
    if (opts.user !== undefined) headers['x-test-user'] = opts.user;
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (v === null) delete headers[k.toLowerCase()];
      else headers[k.toLowerCase()] = v;
    }
    const body = opts.raw !== undefined ? opts.raw : opts.body !== undefined ? JSON.stringify(opts.body) : undefined;
    return app.request(path, { method, headers, body: body as BodyInit | undefined });
  }

  const h = {
    app,
    mfa,
    store: mfa.store,
    now: () => clock,
    setClock(ms: number) {
      clock = ms;
    },
    advance(ms: number) {
      clock += ms;
    },
    request,
    get: (path: string, user?: string, headers?: Record<string, string | null>) => request('GET', path, { user, headers }),
    post: (path: string, body: unknown, user?: string, headers?: Record<string, string | null>) =>
      request('POST', path, { body, user, headers }),
    del: (path: string, user?: string, headers?: Record<string, string | null>) => request('DELETE', path, { user, headers }),

    /** The code of `secret` (base32) at the current step + `offset` steps (SHA1; 6 digits unless told), by the tests' OTP oracle. */
    code(secret: string, offset = 0, digits = 6): string {
      return hotpCode(secret, timeStep(clock) + offset, digits);
    },

    /** A well-formed code that matches no step of the ±1 window right now. */
    wrongCode(secret: string, digits = 6): string {
      const valid = new Set([-1, 0, 1].map((o) => h.code(secret, o, digits)));
      let n = Number(h.code(secret, 0, digits));
      let candidate: string;
      do {
        n = (n + 1) % 10 ** digits;
        candidate = String(n).padStart(digits, '0');
      } while (valid.has(candidate));
      return candidate;
    },

    /** POST /mfa/factors + confirm with the current step's code. */
    async enrollTotp(user: string, headers?: Record<string, string>): Promise<Enrolled> {
      const res = await h.post('/mfa/factors', { type: 'totp' }, user, headers);
      assert.equal(res.status, 201, `enroll: ${res.status} ${await res.clone().text()}`);
      const enrollment = (await res.json()) as { factorId: string; secret: string; otpauthUri: string };
      // The same headers (an mfa/manage token for a second factor) confirm it: adding needs them twice.
      const confirm = await h.post(`/mfa/factors/${enrollment.factorId}/confirm`, { code: h.code(enrollment.secret) }, user, headers);
      assert.equal(confirm.status, 200, `confirm: ${confirm.status} ${await confirm.clone().text()}`);
      const body = (await confirm.json()) as { recoveryCodes?: string[] };
      return { factorId: enrollment.factorId, secret: enrollment.secret, otpauthUri: enrollment.otpauthUri, recoveryCodes: body.recoveryCodes };
    },

    /** POST /mfa/challenges; returns the parsed 201 answer. */
    async startChallenge(user: string, body: Record<string, unknown>) {
      const res = await h.post('/mfa/challenges', body, user);
      assert.equal(res.status, 201, `challenge: ${res.status} ${await res.clone().text()}`);
      return (await res.json()) as { challengeId: string; status: string; challenges: { guid: string }[]; factor: { id: string; type: string } };
    },

    resume: (user: string, challengeId: string, guid: string, value: string) =>
      h.post(`/mfa/challenges/${challengeId}/resume`, { answers: [{ guid, value }] }, user),

    /** Starts a challenge and answers it with `value`; returns the raw response. */
    async answer(user: string, scope: { resource: string; action: string; factorId?: string; factorType?: string }, value: string) {
      const ch = await h.startChallenge(user, scope);
      return h.resume(user, ch.challengeId, ch.challenges[0]!.guid, value);
    },

    /**
     * A step-up token for (resource, action): moves the clock to the next step (the previous
     * code's step is spent) and answers a fresh challenge with the right code.
     */
    async stepUp(user: string, secret: string, resource: string, action: string): Promise<VerifiedResponse> {
      h.advance(STEP_MS);
      const res = await h.answer(user, { resource, action }, h.code(secret));
      assert.equal(res.status, 200, `step-up: ${res.status} ${await res.clone().text()}`);
      const body = (await res.json()) as VerifiedResponse;
      assert.equal(body.status, 'VERIFIED');
      return body;
    },

    async listFactors(user: string) {
      const res = await h.get('/mfa/factors', user);
      assert.equal(res.status, 200);
      return (await res.json()) as { factors: { id: string; type: string; label: string; createdAt: string; lastUsedAt: string | null }[]; recoveryCodesLeft: number };
    },
  };
  return h;
}

/**
 * Asserts an error answer: the status, a JSON body `{error:{code,message}}` with only the
 * documented optional fields, and (when given) the code. Returns the body.
 */
export async function expectError(res: Response, status: number, code?: string): Promise<{ error: { code: string; message: string; attemptsLeft?: number; retryAfter?: number } } & Record<string, unknown>> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status}${code ? ` ${code}` : ''}, got ${res.status}: ${text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text);
  assertErrorShape(body);
  if (code !== undefined) assert.equal(body.error.code, code);
  return body;
}

export function assertErrorShape(body: any): void {
  assert.equal(typeof body, 'object');
  assert.notEqual(body, null);
  assert.equal(typeof body.error, 'object');
  assert.equal(typeof body.error.code, 'string');
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  for (const key of Object.keys(body.error)) {
    assert.ok(['code', 'message', 'attemptsLeft', 'retryAfter'].includes(key), `unexpected error field ${key}`);
  }
  if ('attemptsLeft' in body.error) assert.equal(typeof body.error.attemptsLeft, 'number');
  if ('retryAfter' in body.error) assert.equal(typeof body.error.retryAfter, 'number');
}

/**
 * A store that fails every call while `isDown()` is true (an outage as the server sees it) and
 * otherwise forwards to `real`.
 */
export function outageStore(real: MfaStore, isDown: () => boolean): MfaStore {
  return new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (isDown() ? Promise.reject(new Error('connect ECONNREFUSED')) : value.apply(target, args));
    },
  });
}

/** The 6-digit code in a sent message's text (the first standalone 6-digit number). */
export function codeIn(text: string): string {
  const m = /(?<![0-9])[0-9]{6}(?![0-9])/.exec(text);
  assert.ok(m, `no 6-digit code in: ${text}`);
  return m[0];
}

/**
 * The code of the newest message the dev `Outbox` holds for `sub` (SMS, voice or email).
 * `outbox` is anything with the Outbox's `list(sub)` (newest first).
 */
export function latestCode(outbox: { list(sub?: string): { text: string }[] }, sub: string): string {
  const [newest] = outbox.list(sub);
  assert.ok(newest, `no message for ${sub} in the outbox`);
  return codeIn(newest.text);
}

/** A well-formed 6-digit code that differs from `code`. */
export const otherCode = (code: string): string => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
