/**
 * Security review item 2: audit events written during an HTTP request carry the client IP
 * (before, none did). The app's middleware hands the services the request's context
 * (server/request-scope.ts `contextFor`), whose audit log fills `ip`, so every event of a step-up — over a real socket, or
 * with the `clientIp` option behind a proxy — says where the request came from.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import { base32Decode } from '../../src/server/totp/base32.js';
import { hotp, timeStep } from '../../src/server/totp/totp.js';
import { makeServer, STEP_MS } from '../server/harness.js';

const PAY = { resource: 'payments', action: 'transfer' };

describe('audit events carry the client IP', () => {
  test('over a real HTTP socket: every event of enrollment and a step-up has the socket address', async () => {
    const h = makeServer();
    const server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const post = async (path: string, body: unknown) => {
        const res = await fetch(base + path, {
          method: 'POST',
          headers: { origin: base, 'content-type': 'application/json', 'x-test-user': 'alice' },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json().catch(() => null)) as any };
      };
      const code = (secret: string) => hotp(base32Decode(secret), timeStep(h.now()), 6, 'SHA1');

      const e = await post('/mfa/factors', { type: 'totp' });
      assert.equal(e.status, 201);
      assert.equal((await post(`/mfa/factors/${e.body.factorId}/confirm`, { code: code(e.body.secret) })).status, 200);
      h.advance(STEP_MS);
      // One wrong answer, then the right one: failure and success events both.
      const ch = await post('/mfa/challenges', PAY);
      assert.equal(ch.status, 201);
      assert.equal((await post(`/mfa/challenges/${ch.body.challengeId}/resume`, { answers: [{ guid: ch.body.challenges[0].guid, value: h.wrongCode(e.body.secret) }] })).status, 403);
      const ok = await post(`/mfa/challenges/${ch.body.challengeId}/resume`, { answers: [{ guid: ch.body.challenges[0].guid, value: code(e.body.secret) }] });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.status, 'VERIFIED');
      assert.equal((await post('/mfa/audit', { tag: 'payment:transfer' })).status, 204);

      const events = await h.mfa.context.audit.list('alice', 100);
      assert.deepEqual(
        new Set(events.map((ev) => ev.type)),
        new Set(['factor.enrolled', 'recovery.issued', 'verify.failure', 'verify.success', 'token.issued', 'user.action']),
      );
      for (const ev of events) assert.equal(ev.ip, '127.0.0.1', `${ev.type} carries the client IP`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('with the clientIp option: concurrent requests from different IPs each record their own', async () => {
    const h = makeServer({ clientIp: (req) => req.headers.get('x-forwarded-for') ?? undefined });
    const users = ['u1', 'u2', 'u3', 'u4'];
    const ipOf = (u: string) => `198.51.100.${users.indexOf(u) + 1}`;
    const secrets = new Map<string, string>();
    await Promise.all(users.map(async (u) => {
      const res = await h.post('/mfa/factors', { type: 'totp' }, u, { 'x-forwarded-for': ipOf(u) });
      const { factorId, secret } = (await res.json()) as { factorId: string; secret: string };
      secrets.set(u, secret);
      assert.equal((await h.post(`/mfa/factors/${factorId}/confirm`, { code: h.code(secret) }, u, { 'x-forwarded-for': ipOf(u) })).status, 200);
    }));
    h.advance(STEP_MS);
    await Promise.all(users.map(async (u) => {
      const ch = (await (await h.post('/mfa/challenges', PAY, u, { 'x-forwarded-for': ipOf(u) })).json()) as { challengeId: string; challenges: { guid: string }[] };
      const res = await h.post(`/mfa/challenges/${ch.challengeId}/resume`, { answers: [{ guid: ch.challenges[0]!.guid, value: h.code(secrets.get(u)!) }] }, u, { 'x-forwarded-for': ipOf(u) });
      assert.equal(res.status, 200);
      assert.equal((await h.request('DELETE', '/mfa/session', { user: u, headers: { 'x-forwarded-for': ipOf(u) } })).status, 204);
    }));
    for (const u of users) {
      const events = await h.mfa.context.audit.list(u, 100);
      assert.ok(events.length >= 4, `${u}: ${events.map((e) => e.type)}`);
      for (const ev of events) assert.equal(ev.ip, ipOf(u), `${u} ${ev.type}`);
    }
  });

  test('outside a request there is no IP, and an IP the caller gives wins', async () => {
    const h = makeServer();
    await h.mfa.context.audit.record({ type: 'test.background', sub: 'alice' });
    await h.mfa.context.audit.record({ type: 'test.given', sub: 'alice', ip: '192.0.2.1' });
    const [given, background] = await h.mfa.context.audit.list('alice', 2);
    assert.equal(given!.ip, '192.0.2.1');
    assert.equal('ip' in background!, false, 'absent, not undefined');
  });
});
