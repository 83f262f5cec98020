// Audit sinks (docs/operating.md "Audit events and webhooks"): every security operation produces its event, the
// store is written first and stays the source of truth, and every configured sink gets the
// same events — while a failing, throwing or slow sink never fails or slows a request.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, it } from 'node:test';
import type { AuditEvent, AuditLogger, AuditSink, MfaServerOptions } from '../../src/server/index.js';
import { pinoSink } from '../../src/server/index.js';
import { expectError, makeServer } from './harness.js';

const PAY = { resource: 'payments', action: 'transfer' };

/** A sink that keeps what it gets, and a logger that keeps what it is told. */
function collector() {
  const events: AuditEvent[] = [];
  const sink: AuditSink = { name: 'collector', write: (e) => void events.push(e) };
  const warnings: { details: Record<string, unknown>; message: string }[] = [];
  const logger: AuditLogger = { warn: (details, message) => void warnings.push({ details, message }) };
  return { events, sink, warnings, logger, types: () => events.map((e) => e.type) };
}

function setUp(overrides: Partial<MfaServerOptions> = {}) {
  const c = collector();
  const h = makeServer({ audit: { sinks: [c.sink], logger: c.logger }, ...overrides });
  return { h, ...c };
}

const patch = (h: ReturnType<typeof makeServer>, path: string, body: unknown, user: string) => h.request('PATCH', path, { body, user });

/** Every event the store holds for `sub`, oldest first. */
async function stored(h: ReturnType<typeof makeServer>, sub: string) {
  return (await h.mfa.context.audit.list(sub, 10_000)).reverse();
}

describe('audit events reach a custom sink', () => {
  it('enrollment: factor.enrolled and recovery.issued', async () => {
    const { h, events, types } = setUp();
    const { factorId } = await h.enrollTotp('alice');
    assert.deepEqual(types(), ['factor.enrolled', 'recovery.issued']);
    assert.equal(events[0].sub, 'alice');
    assert.equal(events[0].factor, 'totp');
    assert.deepEqual(events[0].metadata, { factorId });
    assert.deepEqual(events[1].metadata, { count: 10 });
  });

  it('verification: verify.success then token.issued; a wrong code: verify.failure', async () => {
    const { h, events, types } = setUp();
    const { secret } = await h.enrollTotp('alice');
    events.length = 0;
    const verified = await h.stepUp('alice', secret, PAY.resource, PAY.action);
    assert.deepEqual(types(), ['verify.success', 'token.issued']);
    assert.equal(events[0].resource, 'payments');
    assert.equal(events[0].action, 'transfer');
    assert.equal(events[0].factor, 'otp');
    assert.equal(events[0].status, 'success');
    assert.deepEqual(events[1].metadata, { sid: verified.sid, exp: Math.floor(Date.parse(verified.expiresAt) / 1000) });

    events.length = 0;
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403, 'invalid_code');
    assert.deepEqual(types(), ['verify.failure']);
    assert.equal(events[0].status, 'failure');
    assert.equal(events[0].severity, 'warning');
  });

  it('replay refused: the same right code answered twice gives verify.replay (and counts as a failure)', async () => {
    const { h, events, types } = setUp();
    const { secret } = await h.enrollTotp('alice');
    h.advance(30_000);
    const code = h.code(secret);
    assert.equal((await h.answer('alice', PAY, code)).status, 200);
    events.length = 0;
    await expectError(await h.answer('alice', PAY, code), 403, 'code_used');
    assert.deepEqual(types(), ['verify.replay', 'verify.failure']);
    assert.equal(events[0].severity, 'warning');
    assert.equal(events[0].status, 'failure');
  });

  it('lockout: the 10th wrong code gives factor.locked (critical)', async () => {
    const { h, events, types } = setUp();
    const { secret } = await h.enrollTotp('alice');
    events.length = 0;
    for (let i = 0; i < 9; i++) await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403, 'invalid_code');
    assert.ok(!types().includes('factor.locked'));
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 423, 'locked');
    assert.deepEqual(types().slice(-2), ['verify.failure', 'factor.locked']);
    const locked = events.at(-1)!;
    assert.equal(locked.severity, 'critical');
    assert.deepEqual(locked.metadata, { lockCount: 1 });
  });

  it('recovery code used: recovery.used with the number left, then verify.success and the token', async () => {
    const { h, events, types } = setUp();
    const { recoveryCodes } = await h.enrollTotp('alice');
    events.length = 0;
    const res = await h.answer('alice', { ...PAY, factorType: 'recovery' }, recoveryCodes![0]);
    assert.equal(res.status, 200);
    assert.deepEqual(types(), ['recovery.used', 'verify.success', 'token.issued']);
    assert.deepEqual(events[0].metadata, { left: 9 });
    assert.equal(events[1].factor, 'rec');
    assert.equal(events[0].severity, 'warning');
  });

  it('factor changes and recovery regeneration: factor.renamed, recovery.regenerated, factor.removed', async () => {
    const { h, events, types } = setUp();
    const { factorId, secret } = await h.enrollTotp('alice');
    assert.equal((await patch(h, `/mfa/factors/${factorId}`, { label: 'Phone' }, 'alice')).status, 200);
    assert.equal(types().at(-1), 'factor.renamed');
    assert.deepEqual(events.at(-1)!.metadata, { factorId });

    const manage = await h.stepUp('alice', secret, 'mfa', 'manage');
    const regen = await h.request('POST', '/mfa/recovery-codes', { body: {}, user: 'alice', headers: { 'step-up-token': manage.token } });
    assert.equal(regen.status, 201);
    assert.equal(types().at(-1), 'recovery.regenerated');
    assert.equal(events.at(-1)!.severity, 'warning');

    const del = await h.request('DELETE', `/mfa/factors/${factorId}`, { body: {}, user: 'alice', headers: { 'step-up-token': manage.token } });
    assert.equal(del.status, 204);
    assert.equal(types().at(-1), 'factor.removed');
    assert.deepEqual(events.at(-1)!.metadata, { factorId });
  });

  it('session.cleared, rate_limited and user.action (trackUserAction)', async () => {
    const { h, events, types } = setUp({ rateLimits: { challengesPerUser: { limit: 2, windowMs: 60_000 }, challengesPerIp: false } });
    await h.enrollTotp('alice');
    assert.equal((await h.del('/mfa/session', 'alice')).status, 204);
    assert.equal(types().at(-1), 'session.cleared');

    for (let i = 0; i < 2; i++) assert.equal((await h.post('/mfa/challenges', PAY, 'alice')).status, 201);
    await expectError(await h.post('/mfa/challenges', PAY, 'alice'), 429, 'rate_limited');
    await expectError(await h.post('/mfa/challenges', PAY, 'alice'), 429, 'rate_limited');
    assert.equal(types().filter((t) => t === 'rate_limited').length, 1, 'one event per window, not one per refused request');
    assert.deepEqual(events.at(-1)!.metadata, { limit: 'challenge-user' });

    const res = await h.post('/mfa/audit', { tag: 'payment:transfer', severity: 'high', status: true, metadata: { amount: 10 }, webhookNotification: true }, 'alice');
    assert.equal(res.status, 204);
    const action = events.at(-1)!;
    assert.equal(action.type, 'user.action');
    assert.equal(action.severity, 'warning'); // a client's high/critical is capped at warning
    assert.deepEqual(action.metadata, { tag: 'payment:transfer', severity: 'high', data: { amount: 10 }, webhookNotification: true });
  });

  it('the sink gets exactly what the store holds, in the same order, with every docs/operating.md "Audit events and webhooks" field', async () => {
    const { h, events } = setUp();
    const { secret } = await h.enrollTotp('alice');
    await h.stepUp('alice', secret, PAY.resource, PAY.action);
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403);
    assert.deepEqual(events, await stored(h, 'alice'));
    for (const e of events) {
      assert.match(e.id, /^[0-9a-f-]{36}$/);
      assert.equal(e.at, new Date(Date.parse(e.at)).toISOString());
      assert.ok(['info', 'warning', 'critical'].includes(e.severity));
      assert.ok(['success', 'failure'].includes(e.status));
    }
  });
});

describe('sink isolation', () => {
  it('writes the store first: the event is already listed when the sink sees it', async () => {
    const seen: boolean[] = [];
    let h!: ReturnType<typeof makeServer>;
    const sink: AuditSink = {
      async write(e) {
        seen.push((await h.mfa.context.audit.list(e.sub, 1000)).some((s) => s.id === e.id));
      },
    };
    h = makeServer({ audit: { sinks: [sink] } });
    await h.enrollTotp('alice');
    assert.ok(await h.mfa.context.audit.flush(5000));
    assert.deepEqual(seen, [true, true]);
  });

  it('a throwing sink and a rejecting sink fail no request; later sinks and the store still get every event', async () => {
    const c = collector();
    const throwing: AuditSink = { name: 'throws', write: () => { throw new Error('disk full'); } };
    const rejecting: AuditSink = { name: 'rejects', write: async () => { throw new Error('network down'); } };
    const h = makeServer({ audit: { sinks: [throwing, rejecting, c.sink], logger: c.logger } });
    const { secret } = await h.enrollTotp('alice');
    await h.stepUp('alice', secret, PAY.resource, PAY.action);
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403, 'invalid_code');
    assert.ok(await h.mfa.context.audit.flush(5000));

    const all = await stored(h, 'alice');
    assert.equal(all.length, 5);
    assert.deepEqual(c.events, all);
    const bySink = (name: string) => c.warnings.filter((w) => w.details.sink === name);
    assert.equal(bySink('throws').length, 5);
    assert.equal(bySink('rejects').length, 5);
    assert.deepEqual(bySink('throws')[0].details, { sink: 'throws', eventId: all[0].id, eventType: 'factor.enrolled', reason: 'threw', error: 'Error: disk full' });
    assert.equal(bySink('rejects')[0].details.reason, 'rejected');
  });

  it('a slow sink does not slow requests: the API call returns while its writes are still pending', async () => {
    const releases: (() => void)[] = [];
    const slow: AuditSink = { write: () => new Promise<void>((resolve) => releases.push(resolve)) };
    const h = makeServer({ audit: { sinks: [slow] } });
    // The sink's writes never finish until released below: that these calls return at all proves
    // no request waited on them.
    const { secret } = await h.enrollTotp('alice');
    await h.stepUp('alice', secret, PAY.resource, PAY.action);
    assert.equal(releases.length, 4, 'every write started, none finished');
    assert.equal(await h.mfa.context.audit.flush(50), false, 'flush reports unfinished writes');
    for (const release of releases) release();
    assert.equal(await h.mfa.context.audit.flush(5000), true);
  });

  it('bounds a sink\'s unfinished writes: beyond maxPendingWrites it misses events, reported, and requests go on', async () => {
    const c = collector();
    let started = 0;
    const stuck: AuditSink = { name: 'stuck', write: () => { started++; return new Promise<void>(() => {}); } };
    const h = makeServer({ audit: { sinks: [stuck, c.sink], logger: c.logger, maxPendingWrites: 3 } });
    const { secret } = await h.enrollTotp('alice');
    for (let i = 0; i < 4; i++) await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403);
    assert.equal(started, 3);
    assert.equal(c.events.length, 6, 'other sinks are not affected');
    assert.equal(c.warnings.filter((w) => w.details.reason === 'too_many_pending_writes').length, 3);
  });

  it('gives sinks a frozen copy: a sink cannot change what the store or other sinks see', async () => {
    const c = collector();
    const vandal: AuditSink = {
      name: 'vandal',
      write: (e) => {
        (e as { type: string }).type = 'nothing.happened';
      },
    };
    const h = makeServer({ audit: { sinks: [vandal, c.sink], logger: c.logger } });
    await h.enrollTotp('alice');
    assert.deepEqual(c.types(), ['factor.enrolled', 'recovery.issued']);
    assert.deepEqual((await stored(h, 'alice')).map((e) => e.type), ['factor.enrolled', 'recovery.issued']);
    assert.equal(c.warnings.filter((w) => w.details.sink === 'vandal').length, 2);
  });

  it('takes a pino logger as the audit logger: failures become warn lines without the event\'s contents', async () => {
    let out = '';
    const stream = new Writable({ write(chunk, _enc, done) { out += chunk.toString(); done(); } });
    const logger: AuditLogger = pino({ base: null }, stream);
    const h = makeServer({ audit: { sinks: [{ name: 'broken', write: () => { throw new Error('boom'); } }], logger } });
    await h.enrollTotp('alice');
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[0].level, 40);
    assert.equal(lines[0].msg, 'mfa audit: sink failed');
    assert.equal(lines[0].sink, 'broken');
    assert.equal(lines[0].eventType, 'factor.enrolled');
    assert.equal(lines[0].metadata, undefined);
  });

  it('mfa.close() waits for pending writes, then closes the sinks', async () => {
    const log: string[] = [];
    const sink: AuditSink = {
      write: (e) => new Promise<void>((resolve) => setTimeout(() => { log.push(`wrote ${e.type}`); resolve(); }, 20)),
      close: () => void log.push('closed'),
    };
    const h = makeServer({ audit: { sinks: [sink] } });
    await h.enrollTotp('alice');
    await h.mfa.close();
    assert.deepEqual(log, ['wrote factor.enrolled', 'wrote recovery.issued', 'closed']);
  });
});

describe('pinoSink', () => {
  function capture() {
    const lines: string[] = [];
    let buffer = '';
    const stream = new Writable({
      write(chunk, _enc, done) {
        buffer += chunk.toString();
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        lines.push(...parts);
        done();
      },
    });
    return { stream, lines };
  }

  it('writes one JSON line per event: the event\'s fields, a level from its severity, and nothing else', async () => {
    const { stream, lines } = capture();
    const h = makeServer({ audit: { sinks: [pinoSink({ destination: stream })] } });
    const { secret } = await h.enrollTotp('alice');
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403);
    await new Promise((r) => setImmediate(r));
    const events = await stored(h, 'alice');
    assert.equal(lines.length, events.length);
    lines.forEach((line, i) => {
      const { level, msg, ...rest } = JSON.parse(line);
      assert.equal(msg, 'mfa.audit');
      assert.equal(level, { info: 'info', warning: 'warn', critical: 'error' }[events[i].severity]);
      assert.deepEqual(rest, JSON.parse(JSON.stringify(events[i])));
    });
  });

  it('honours a minimum level', async () => {
    const { stream, lines } = capture();
    const h = makeServer({ audit: { sinks: [pinoSink({ destination: stream, level: 'warn' })] } });
    const { secret } = await h.enrollTotp('alice'); // info events only
    await expectError(await h.answer('alice', PAY, h.wrongCode(secret)), 403); // warning
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(lines.map((l) => JSON.parse(l).type), ['verify.failure']);
  });
});
