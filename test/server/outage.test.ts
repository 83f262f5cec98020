/**
 * Fail closed and recover (docs/operating.md "Fail closed, and coming back"): a private redis-server (AOF, fsync on every write, so its
 * data survives a kill -9) and one real instance process. Redis is SIGKILLed in the middle of a
 * run of verifications:
 *  - during the outage every verification answers 503 with a generic body and never 200,
 *    promptly (the client does not queue commands while disconnected); challenge creation,
 *    enrollment and factor listing fail closed the same way; the guarded route neither crashes
 *    nor lets any token through: a token's signature needs only the public key loaded before the
 *    outage, but whether its session was ended (logout revokes tokens) is in the store, so even a
 *    valid token gets 503 — fail closed, like every other check;
 *  - Redis comes back on the same port: within a few seconds, without restarting the instance,
 *    a right code for a later step verifies, and the replay rule still holds (also for a code
 *    accepted before the outage: its replay mark survived on disk).
 *
 * No waiting for the clock: users are enrolled with the current step's code and verify with the
 * next step's code, which stays inside the ±1 window for at least 30 s.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertGeneric503, call, codeAt, SCOPE, show, startInstance, userSteps, type Answer, type Instance } from '../helpers/instance-server.js';
import { runAcross, untilServing } from '../helpers/outage-run.js';
import { freePort, killNow, persistentRedisArgs, spawnRedis } from '../helpers/redis-server.js';

let dir: string;
let port: number;
let redis: ChildProcess | undefined;
let instance: Instance | undefined;

const persistent = () => persistentRedisArgs(dir);
const killRedis = () => killNow(redis);

// Even if the run ends without `after` (instances clean up after themselves the same way).
process.once('exit', () => void killNow(redis));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mfa-outage-'));
  port = await freePort();
  redis = await spawnRedis(port, persistent());
  instance = await startInstance({
    REDIS_URL: `redis://127.0.0.1:${port}`,
    MFA_KEY_HEX: randomBytes(32).toString('hex'),
    // The run below sends many wrong codes on purpose; lockout is another suite's subject.
    MFA_MAX_FAILURES: '100000',
  });
});

after(async () => {
  await instance?.kill();
  await killRedis();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sub = (name: string) => `${name}-${process.pid}`;
const url = () => instance!.url;

const { enroll, startChallenge, resume, transfer } = userSteps(url);

describe('a Redis outage', { timeout: 120_000 }, () => {
  const alice = sub('alice');
  const bob = sub('bob');
  let aliceCode: string;
  let bobSecret: string;
  let bobStep: number;
  let token: string;
  const pending: { id: string; guid: string }[] = [];

  it('serves normally while Redis is up', async () => {
    const a = await enroll(alice);
    aliceCode = codeAt(a.secret, a.step + 1);
    const verified = await resume(alice, await startChallenge(alice), aliceCode);
    assert.equal(verified.status, 200, show(verified));
    token = verified.body.token;
    assert.equal((await transfer(alice, token)).status, 200);

    const b = await enroll(bob);
    bobSecret = b.secret;
    bobStep = b.step;
    // Challenges bob will answer with the right code while Redis is down.
    for (let i = 0; i < 10; i++) pending.push(await startChallenge(bob));
  });

  it('fails closed while Redis is down: 503, generic, prompt, never 200', async (t) => {
    // A run of verifications (start a challenge, answer it) that keeps going across the kill.
    const seen = await runAcross({ instance: () => instance!, user: bob, secret: bobSecret, stop: killRedis, during: async () => {
      // While the run goes on: the right code on challenges started before the outage.
      const rightCode = codeAt(bobSecret, bobStep + 1);
      const outage: [string, Answer][] = [];
      for (const ch of pending) outage.push(['verify with the right code', await resume(bob, ch, rightCode)]);
      outage.push(['start a challenge', await call(url(), 'POST', '/mfa/challenges', { user: bob, body: SCOPE })]);
      outage.push(['list factors', await call(url(), 'GET', '/mfa/factors', { user: bob })]);
      outage.push(['enroll', await call(url(), 'POST', '/mfa/factors', { user: sub('carol'), body: { type: 'totp' } })]);
      outage.push(['confirm', await call(url(), 'POST', `/mfa/factors/${pending[0]!.id}/confirm`, { user: bob, body: { code: rightCode } })]);
      for (const [what, a] of outage) assertGeneric503(a, what);

      // The guarded route: a valid signature is not enough while the store cannot say whether the
      // token's session was ended since (revocation at logout): 503, never 200.
      const valid = await transfer(alice, token);
      assertGeneric503(valid, 'valid token during the outage');
      const [h, p, s] = token.split('.') as [string, string, string];
      const forged = `${h}.${p}.${s.slice(0, -4)}${s.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      const guarded: [string, Answer][] = [
        ['no token', await transfer(alice)],
        ['forged signature', await transfer(alice, forged)],
        ['someone else\'s token', await transfer(bob, token)],
        ['garbage token', await transfer(alice, 'not.a.token')],
      ];
      for (const [what, a] of guarded) {
        assert.ok(a.status === 401 || a.status === 503, `${what}: ${show(a)}`);
        if (a.status === 503) assertGeneric503(a, what);
      }
    } });
    t.diagnostic(`run: ${seen.before} requests before the kill, ${seen.during} during the outage; slowest outage answer ${seen.slowest} ms`);
  });

  it('recovers when Redis returns, without restarting the instance', async (t) => {
    const pid = instance!.proc.pid;
    redis = await spawnRedis(port, persistent());
    const upAt = Date.now();

    const { challenge: ch, polls } = await untilServing(url, bob);
    t.diagnostic(`service resumed ${Date.now() - upAt} ms (${polls} polls) after Redis answered again`);

    const rightCode = codeAt(bobSecret, bobStep + 1);
    const ok = await resume(bob, ch, rightCode);
    assert.equal(ok.status, 200, `the right code of a later step verifies: ${show(ok)}`);
    assert.equal(ok.body.status, 'VERIFIED');
    assert.equal((await transfer(bob, ok.body.token)).status, 200);

    // Replays are refused: the code just used, on a fresh challenge and on one started before the outage…
    const replay = await resume(bob, await startChallenge(bob), rightCode);
    assert.equal(replay.status, 403, show(replay));
    assert.equal(replay.body.error.code, 'code_used');
    const oldChallenge = await resume(bob, pending[1]!, rightCode);
    assert.equal(oldChallenge.status, 403, `challenges persisted, the replay rule holds: ${show(oldChallenge)}`);
    // …and alice's code accepted before the outage: its replay mark survived the kill -9 (AOF).
    const aliceReplay = await resume(alice, await startChallenge(alice), aliceCode);
    assert.equal(aliceReplay.status, 403, show(aliceReplay));
    assert.equal(aliceReplay.body.error.code, 'code_used');

    const factors = await call(url(), 'GET', '/mfa/factors', { user: bob });
    assert.equal(factors.status, 200);
    assert.equal(factors.body.factors.length, 1);
    assert.equal(factors.body.recoveryCodesLeft, 10);
    assert.equal(instance!.proc.pid, pid);
    assert.equal(instance!.proc.exitCode, null, 'the same process served throughout');
  });
});
