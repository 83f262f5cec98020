/**
 * "Fail closed and recover" for Postgres with Redis beside it (the split store: factors, recovery
 * codes and keys in Postgres; challenges, counters, revocations and one-time-token marks in Redis;
 * docs/operating.md). A private Postgres cluster and a private redis-server (AOF, fsync on every
 * write) on their own ports — never the shared ones — and one real instance process
 * (MFA_STORE_KIND=postgres+redis). Each store is stopped in turn in the middle of a run of
 * verifications:
 *  - Postgres crashes (`pg_ctl stop -m immediate`): every verification, challenge start and
 *    factor operation answers a generic 503 promptly, never 200 and never a hang; the guarded
 *    route keeps its rules, since they live in Redis (a token obtained before the crash opens it
 *    once, a spent one is refused). Postgres restarts: service resumes without restarting the
 *    instance.
 *  - Redis is SIGKILLed: the same run fails closed the same way, and the guarded route answers
 *    503 even to a valid token (whether its session was ended is in Redis). Redis restarts on the
 *    same port: service resumes, and replay marks and spent tokens are still refused.
 *
 * No waiting for the clock: each user enrolls with the current step's code and verifies with the
 * next step's, which stays inside the ±1 window for at least 30 s.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertGeneric503, call, codeAt, SCOPE, show, startInstance, userSteps, type Answer, type Instance, type PendingChallenge } from '../helpers/instance-server.js';
import { runAcross, untilServing } from '../helpers/outage-run.js';
import { createDatabase, startCluster, type Cluster } from '../helpers/postgres-server.js';
import { freePort, killNow, persistentRedisArgs, spawnRedis } from '../helpers/redis-server.js';

let cluster: Cluster | undefined;
let redisDir: string;
let redisPort: number;
let redis: ChildProcess | undefined;
let instance: Instance | undefined;

const persistent = () => persistentRedisArgs(redisDir);
const killRedis = () => killNow(redis);

// Even if the run ends without `after` (instances and clusters clean up after themselves the same way).
process.once('exit', () => void killNow(redis));

before(async () => {
  cluster = await startCluster();
  const db = await createDatabase('outage_split', cluster.url());
  redisDir = mkdtempSync(join(tmpdir(), 'mfa-outage-split-'));
  redisPort = await freePort();
  redis = await spawnRedis(redisPort, persistent());
  instance = await startInstance({
    MFA_STORE_KIND: 'postgres+redis',
    MFA_STORE: db.url,
    MFA_EPHEMERAL_STORE: `redis://127.0.0.1:${redisPort}`,
    MFA_KEY_HEX: randomBytes(32).toString('hex'),
    // The runs below send many wrong codes on purpose; lockout is another suite's subject.
    MFA_MAX_FAILURES: '100000',
  });
});

after(async () => {
  await instance?.kill();
  await killRedis();
  cluster?.destroy();
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
});

const sub = (name: string) => `${name}-${process.pid}`;
const url = () => instance!.url;
const { enroll, startChallenge, resume, transfer } = userSteps(url);

/** Verifies `user` with `code` on a new challenge → the step-up token. */
async function stepUp(user: string, code: string): Promise<string> {
  const ok = await resume(user, await startChallenge(user), code);
  assert.equal(ok.status, 200, show(ok));
  return ok.body.token as string;
}

describe('Postgres with Redis: an outage of either store', { timeout: 180_000 }, () => {
  const pid = () => instance!.proc.pid;
  let firstPid: number | undefined;

  it('Postgres down: verifications and factor operations fail closed; the guarded route keeps its rules (they live in Redis)', async (t) => {
    firstPid = pid();
    const alice = sub('alice');
    const bob = sub('bob');
    const a = await enroll(alice);
    const aliceCode = codeAt(a.secret, a.step + 1);
    const spent = await stepUp(alice, aliceCode);
    assert.equal((await transfer(alice, spent)).status, 200);
    // A second user's token, obtained before the crash and not used yet.
    const frank = sub('frank');
    const f = await enroll(frank);
    const unspent = await stepUp(frank, codeAt(f.secret, f.step + 1));
    const b = await enroll(bob);
    const pending: PendingChallenge[] = [];
    for (let i = 0; i < 5; i++) pending.push(await startChallenge(bob));

    const rightCode = codeAt(b.secret, b.step + 1);
    const seen = await runAcross({ instance: () => instance!, user: bob, secret: b.secret, stop: () => cluster!.stop('immediate'), during: async () => {
      const outage: [string, Answer][] = [];
      for (const ch of pending) outage.push(['verify with the right code', await resume(bob, ch, rightCode)]);
      outage.push(['start a challenge', await call(url(), 'POST', '/mfa/challenges', { user: bob, body: SCOPE })]);
      outage.push(['list factors', await call(url(), 'GET', '/mfa/factors', { user: bob })]);
      outage.push(['enroll', await call(url(), 'POST', '/mfa/factors', { user: sub('carol'), body: { type: 'totp' } })]);
      for (const [what, answer] of outage) assertGeneric503(answer, what);
      // The guard needs only Redis (revocations, one-time marks) and the key loaded at start.
      assert.equal((await transfer(alice, spent)).status, 401, 'a spent token stays spent');
      assert.equal((await transfer(alice)).status, 401, 'no token, no entry');
      assert.equal((await transfer(frank, unspent)).status, 200, 'a token obtained before the crash opens the route once');
      assert.equal((await transfer(frank, unspent)).status, 401, '…and only once');
    } });
    t.diagnostic(`Postgres crash: ${seen.before} requests before, ${seen.during} during; slowest outage answer ${seen.slowest} ms`);

    cluster!.start();
    const upAt = Date.now();
    const { challenge, polls } = await untilServing(url, bob);
    t.diagnostic(`service resumed ${Date.now() - upAt} ms (${polls} polls) after Postgres accepted connections again`);
    const ok = await resume(bob, challenge, rightCode);
    assert.equal(ok.status, 200, `the right code verifies: ${show(ok)}`);
    assert.equal((await transfer(bob, ok.body.token)).status, 200);
    // Replays are refused: the code just used, and alice's code accepted before the crash (its
    // replay mark is on the factor row, committed before the crash).
    assert.equal((await resume(bob, await startChallenge(bob), rightCode)).status, 403);
    const aliceReplay = await resume(alice, await startChallenge(alice), aliceCode);
    assert.equal(aliceReplay.status, 403, show(aliceReplay));
    assert.equal(aliceReplay.body.error.code, 'code_used');
    assert.equal(pid(), firstPid, 'the same process served throughout');
  });

  it('Redis down: verifications fail closed, and so does the guarded route, even for a valid token', async (t) => {
    const dave = sub('dave');
    const d = await enroll(dave);
    const daveCode = codeAt(d.secret, d.step + 1);
    const spent = await stepUp(dave, daveCode);
    assert.equal((await transfer(dave, spent)).status, 200);
    const gina = sub('gina');
    const g = await enroll(gina);
    const unspent = await stepUp(gina, codeAt(g.secret, g.step + 1));
    const erin = sub('erin');
    const e = await enroll(erin);
    const pending: PendingChallenge[] = [];
    for (let i = 0; i < 5; i++) pending.push(await startChallenge(erin));

    const rightCode = codeAt(e.secret, e.step + 1);
    const seen = await runAcross({ instance: () => instance!, user: erin, secret: e.secret, stop: killRedis, during: async () => {
      const outage: [string, Answer][] = [];
      for (const ch of pending) outage.push(['verify with the right code', await resume(erin, ch, rightCode)]);
      outage.push(['start a challenge', await call(url(), 'POST', '/mfa/challenges', { user: erin, body: SCOPE })]);
      outage.push(['spent token on the guarded route', await transfer(dave, spent)]);
      outage.push(['valid unspent token on the guarded route', await transfer(gina, unspent)]);
      for (const [what, answer] of outage) assertGeneric503(answer, what);
      // No token is refused without asking any store; a forged one likewise (401 or 503, never 200).
      for (const [what, token] of [['no token', undefined], ['garbage token', 'not.a.token']] as const) {
        const answer = await transfer(dave, token);
        assert.ok(answer.status === 401 || answer.status === 503, `${what}: ${show(answer)}`);
        if (answer.status === 503) assertGeneric503(answer, what);
      }
    } });
    t.diagnostic(`Redis kill: ${seen.before} requests before, ${seen.during} during; slowest outage answer ${seen.slowest} ms`);

    redis = await spawnRedis(redisPort, persistent());
    const upAt = Date.now();
    const { challenge, polls } = await untilServing(url, erin);
    t.diagnostic(`service resumed ${Date.now() - upAt} ms (${polls} polls) after Redis answered again`);
    const ok = await resume(erin, challenge, rightCode);
    assert.equal(ok.status, 200, `the right code verifies: ${show(ok)}`);
    assert.equal((await transfer(erin, ok.body.token)).status, 200);
    // What Redis held survived the kill -9 (AOF): the spent token is still spent, and the
    // challenges started before the outage are still there, refusing the code just used.
    assert.equal((await transfer(dave, spent)).status, 401, 'a token spent before the outage stays spent');
    assert.equal((await transfer(gina, unspent)).status, 200, 'a token refused during the outage was not spent by it');
    const old = await resume(erin, pending[1]!, rightCode);
    assert.equal(old.status, 403, show(old));
    assert.equal((await resume(dave, await startChallenge(dave), daveCode)).status, 403, 'replay marks (in Postgres) held throughout');
    assert.equal(pid(), firstPid, 'the same process served throughout');
  });
});
