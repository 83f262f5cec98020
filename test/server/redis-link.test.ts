/**
 * The Redis store's connection discipline (src/server/stores/redis-link.ts), against a private
 * redis-server that this file stops, freezes and restarts:
 *  - a Redis that stops answering (SIGSTOP: the socket stays open) makes a call fail instead of
 *    hanging — the client's per-command timer is off, the store's one timer does it;
 *  - writes nobody waits on (audit events, freshness) are awaited by `flush()`: while Redis is
 *    down `flush()` throws (the HTTP answer is a 503), and once Redis is back the next `flush()`
 *    writes them, exactly once; one that Redis refuses is reported by the next `flush()`;
 *  - a script is ordered with the commands after it, even the first time it is used on a
 *    connection and after Redis restarted and forgot every script.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { RedisStore } from '../../src/server/stores/redis-store.js';
import type { AuditEvent } from '../../src/server/stores/store.js';
import { freePort, killNow, spawnRedis, uniquePrefix } from '../helpers/redis-server.js';

let port: number;
let redis: ChildProcess | undefined;
let store: RedisStore;
const prefix = uniquePrefix('link');

const event = (id: string, at = 1_700_000_000_000): AuditEvent =>
  ({ id, at: new Date(at).toISOString(), type: 'verify.success', sub: 'alice', severity: 'info', status: 'success' });

/** Retries `fn` until it resolves (the client reconnects on its own schedule). */
async function eventually<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= 200) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

before(async () => {
  port = await freePort();
  redis = await spawnRedis(port);
  store = await RedisStore.connect({ url: `redis://127.0.0.1:${port}`, prefix });
});

after(async () => {
  await store?.close().catch(() => {});
  if (redis?.signalCode === null && redis.exitCode === null) redis.kill('SIGCONT');
  await killNow(redis);
});

describe('RedisStore connection discipline', { timeout: 60_000 }, () => {
  it('orders a script after the writes before it, the first time it runs on a connection', async () => {
    store.appendAuditEvent(event('e1'));
    store.appendAuditEvent(event('e2', 1_700_000_000_001));
    // No await, no flush: the list is sent after both appends on the same connection.
    assert.deepEqual((await store.listAuditEvents('alice', 10)).map((e) => e.id), ['e2', 'e1']);
    await store.flush();
  });

  it('reports a write Redis refuses at the next flush, once, without sending it again', async () => {
    const { createClient } = await import('redis');
    const raw = createClient({ url: `redis://127.0.0.1:${port}` });
    await raw.connect();
    try {
      // The freshness hash's key holds a string: Redis answers WRONGTYPE to the script.
      await raw.set(`${prefix}{u:bob}:fr:s1`, 'x');
      await store.putFreshness('bob', 's1', { resource: 'r', action: 'a', authTime: 1, acr: 'mfa', amr: ['otp'] }, 61_000);
      await assert.rejects(store.flush(), /WRONGTYPE/);
      await store.flush();
      assert.equal(await raw.get(`${prefix}{u:bob}:fr:s1`), 'x');
    } finally {
      await raw.close();
    }
  });

  it('fails a call when Redis stops answering, instead of waiting for ever', async () => {
    redis!.kill('SIGSTOP');
    try {
      await assert.rejects(store.getChallenge('some-id'), /did not answer in time/);
    } finally {
      redis!.kill('SIGCONT');
    }
    // The connection itself was fine: the next call is answered.
    assert.equal(await eventually(() => store.getChallenge('some-id')), null);
  });

  it('keeps a write made while Redis is down until a flush can store it, and flush throws until then', async () => {
    await killNow(redis);
    await store.appendAuditEvent(event('during-outage', 1_700_000_000_100));
    await assert.rejects(store.flush());
    await assert.rejects(store.flush(), 'still not written: every flush says so');

    redis = await spawnRedis(port); // empty: no data, no scripts
    await eventually(() => store.flush());
    const ids = (await store.listAuditEvents('alice', 10)).map((e) => e.id);
    assert.deepEqual(ids, ['during-outage'], 'written once, after the restart');
    await store.flush(); // nothing left
  });

  it('sends a script again by its text after Redis restarted and forgot it, still in order', async () => {
    await killNow(redis);
    redis = await spawnRedis(port);
    await eventually(() => store.getChallenge('x'));
    store.appendAuditEvent(event('after-restart', 1_700_000_000_200));
    // The restarted Redis is empty (no persistence here): only the new event.
    assert.deepEqual((await store.listAuditEvents('alice', 10)).map((e) => e.id), ['after-restart']);
    await store.flush();
  });
});
