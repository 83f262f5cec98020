/**
 * The reference server over real HTTP on 127.0.0.1 (wall clock: the example backends judge
 * tokens by their own clocks), with the app session an example backend shares: an HS256 JWT
 * `{sub, sid, exp}` in the `app_session` cookie. Beside `/mfa` it serves the Node guard on the
 * same routes the examples guard, so a test can compare the two answers byte for byte.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { SignJWT, jwtVerify } from 'jose';
import { createMfaServer } from '../../src/server/mfa-server.js';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
// @ts-expect-error: plain JS shared with the e2e tests (no declaration file); typed just below.
import * as authenticator from '../e2e/authenticator.mjs';

const codeAt: (secret: string, step: number) => string = authenticator.codeAt;
const currentStep: () => number = authenticator.currentStep;

export const SESSION_SECRET = `examples-${randomUUID()}`;
export const SESSION_COOKIE = 'app_session';
export const ISSUER = 'https://mfa.example.test';
export const AUDIENCE = 'mfa-elements:step-up';
const APP_ORIGIN = 'http://app.example.test';
const secretKey = new TextEncoder().encode(SESSION_SECRET);

/** The app-session assertion the browser would carry (cookie value). */
export const sessionCookie = async (sub: string, sid: string) =>
  `${SESSION_COOKIE}=${await new SignJWT({ sid }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(secretKey)}`;

/** An authenticator app's code for `step` (RFC 6238, SHA1, 6 digits), independent of the server's TOTP. */
export { codeAt, currentStep };

export async function startService(options: { origins?: string[] } = {}) {
  const mfa = createMfaServer({
    store: new MemoryStore(),
    encryptionKey: Buffer.alloc(32, 3),
    issuer: ISSUER,
    audience: AUDIENCE,
    origins: options.origins ?? [APP_ORIGIN],
    freshness: { reuse: 'none' },
    authenticate: async (req) => {
      const raw = /(?:^|;\s*)app_session=([^;]+)/.exec(req.headers.get('cookie') ?? '')?.[1];
      if (!raw) return null;
      try {
        const { payload } = await jwtVerify(raw, secretKey, { algorithms: ['HS256'], requiredClaims: ['sub', 'sid', 'exp'] });
        return { sub: payload.sub!, sessionId: payload.sid as string };
      } catch {
        return null;
      }
    },
  });
  const app = new Hono();
  app.route('/mfa', mfa.app);
  app.post('/transfer', mfa.requireStepUp({ resource: 'payments', action: 'transfer' }), (c) => c.json({ ok: true }));
  app.get('/statements', mfa.requireStepUp({ resource: 'statements', action: 'read', oneTime: true }), (c) => c.json({ ok: true }));
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const call = async (method: string, path: string, cookie: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { cookie, origin: (options.origins ?? [APP_ORIGIN])[0]!, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as Record<string, any>;
  };

  /** Enrolls TOTP over the protocol, confirmed with the code of `step` (the next unused step is `step + 1`). */
  async function enroll(sub: string, sid: string): Promise<{ secret: string; step: number }> {
    const cookie = await sessionCookie(sub, sid);
    const enrollment = await call('POST', '/mfa/factors', cookie, { type: 'totp' });
    const step = currentStep();
    await call('POST', `/mfa/factors/${enrollment.factorId}/confirm`, cookie, { code: codeAt(enrollment.secret, step) });
    return { secret: enrollment.secret as string, step };
  }

  /**
   * Enrolls TOTP over the protocol and steps up once, as a user with an authenticator app: the
   * confirmation uses this step's code, the step-up the next step's (each code works once, never
   * an older one; ±1 step is accepted).
   */
  async function stepUp(sub: string, sid: string, resource = 'payments', action = 'transfer'): Promise<string> {
    const cookie = await sessionCookie(sub, sid);
    const { secret, step } = await enroll(sub, sid);
    const challenge = await call('POST', '/mfa/challenges', cookie, { resource, action });
    const verified = await call('POST', `/mfa/challenges/${challenge.challengeId}/resume`, cookie, {
      answers: [{ guid: challenge.challenges[0].guid, value: codeAt(secret, step + 1) }],
    });
    assert.equal(verified.status, 'VERIFIED');
    return verified.token as string;
  }

  return {
    url,
    jwksUrl: `${url}/mfa/jwks.json`,
    enroll,
    stepUp,
    close: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
      await mfa.close();
    },
  };
}
