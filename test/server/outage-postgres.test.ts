/**
 * "Fail closed and recover", on Postgres: a private cluster (never the shared one) and one real
 * instance process (MFA_STORE_KIND=postgres). Postgres is stopped with `pg_ctl stop -m immediate`
 * (a crash: no shutdown checkpoint, every connection cut) in the middle of a run of verifications:
 *  - during the outage every request answers a generic 503 promptly, never 200 and never a hang:
 *    verifying, starting a challenge, enrolling, confirming, listing factors, and the guarded
 *    route even with a valid token (whether its session was ended is in the store);
 *  - Postgres starts again (crash recovery) on the same port: without restarting the instance,
 *    service resumes within seconds, a right code for a later step verifies, and the replay rule
 *    still holds for a code accepted before the crash.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertGeneric503, call, codeAt, SCOPE, show, startInstance, userSteps, wrongCode, type Answer, type Instance } from '../helpers/instance-server.js';
import { createDatabase, startCluster, type Cluster } from '../helpers/postgres-server.js';

let cluster: Cluster | undefined;
let instance: Instance | undefined;

before(async () => {
  cluster = await startCluster();
  const db = await createDatabase('outage', cluster.url());
  instance = await startInstance({
    MFA_STORE_KIND: 'postgres',
    MFA_STORE: db.url,
    MFA_KEY_HEX: randomBytes(32).toString('hex'),
    // The run below sends many wrong codes on purpose; lockout is another suite's subject.
    MFA_MAX_FAILURES: '100000',
  });
});

after(async () => {
  await instance?.kill();
  cluster?.destroy();
});

const url = () => instance!.url;

const { enroll, startChallenge, resume, transfer } = userSteps(url);

describe('a Postgres outage', { timeout: 120_000 }, () => {
  const alice = `alice-${process.pid}`;
  const bob = `bob-${process.pid}`;
  let aliceCode: string;
  let bob0: { secret: string; step: number };
  let token: string;
  const pending: { id: string; guid: string }[] = [];

  it('serves normally while Postgres is up', async () => {
    const a = await enroll(alice);
    aliceCode = codeAt(a.secret, a.step + 1);
    const verified = await resume(alice, await startChallenge(alice), aliceCode);
    assert.equal(verified.status, 200, show(verified));
    token = verified.body.token;
    assert.equal((await transfer(alice, token)).status, 200);
    bob0 = await enroll(bob);
    for (let i = 0; i < 5; i++) pending.push(await startChallenge(bob));
  });

  it('fails closed while Postgres is down: 503, generic, prompt, never 200', async (t) => {
    type Entry = { start: number; what: string; answer?: Answer; error?: unknown };
    const run: Entry[] = [];
    let running = true;
    const record = async (what: string, p: Promise<Answer>) => {
      const entry: Entry = { start: Date.now(), what };
      run.push(entry);
      try { entry.answer = await p; } catch (error) { entry.error = error; }
      return entry.answer;
    };
    const worker = async () => {
      while (running) {
        const created = await record('create', call(url(), 'POST', '/mfa/challenges', { user: bob, body: SCOPE }));
        if (created?.status === 201) await record('resume', resume(bob, { id: created.body.challengeId, guid: created.body.challenges[0].guid }, wrongCode(bob0.secret)));
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const workers = Array.from({ length: 4 }, () => worker());

    await new Promise((r) => setTimeout(r, 300));
    cluster!.stop('immediate');
    const downAt = Date.now();

    const rightCode = codeAt(bob0.secret, bob0.step + 1);
    const outage: [string, Answer][] = [];
    for (const ch of pending) outage.push(['verify with the right code', await resume(bob, ch, rightCode)]);
    outage.push(['start a challenge', await call(url(), 'POST', '/mfa/challenges', { user: bob, body: SCOPE })]);
    outage.push(['list factors', await call(url(), 'GET', '/mfa/factors', { user: bob })]);
    outage.push(['enroll', await call(url(), 'POST', '/mfa/factors', { user: `carol-${process.pid}`, body: { type: 'totp' } })]);
    outage.push(['confirm', await call(url(), 'POST', `/mfa/factors/${pending[0]!.id}/confirm`, { user: bob, body: { code: rightCode } })]);
    outage.push(['valid token on the guarded route', await transfer(alice, token)]);
    for (const [what, a] of outage) assertGeneric503(a, what);

    await new Promise((r) => setTimeout(r, 1_000));
    running = false;
    await Promise.all(workers);

    assert.deepEqual(run.filter((e) => e.error).map((e) => `${e.what}: ${e.error}`), [], 'no request hung or broke the connection');
    assert.equal(run.filter((e) => e.answer!.status === 200).length, 0, 'no verification succeeded');
    const before = run.filter((e) => e.start < downAt);
    const during = run.filter((e) => e.start >= downAt);
    assert.ok(before.some((e) => e.what === 'resume' && e.answer!.status === 403), 'the run verified before the crash');
    assert.ok(during.length >= 4, `the run went on during the outage (${during.length} requests)`);
    for (const e of during) assertGeneric503(e.answer!, `run ${e.what}`);
    t.diagnostic(`run: ${before.length} requests before the crash, ${during.length} during the outage; slowest outage answer ` +
      `${Math.round(Math.max(...during.map((e) => e.answer!.ms), ...outage.map(([, a]) => a.ms)))} ms`);
    assert.equal(instance!.proc.exitCode, null, 'the instance is still running');
  });

  it('recovers when Postgres returns, without restarting the instance', async (t) => {
    const pid = instance!.proc.pid;
    cluster!.start();
    const upAt = Date.now();
    let ch: { id: string; guid: string } | undefined;
    // Counted in tries, not measured: the pool reconnects on its own once Postgres is back.
    for (let tries = 0; !ch; tries++) {
      assert.ok(tries < 50, 'service resumed within 50 tries (100 ms apart)');
      const r = await call(url(), 'POST', '/mfa/challenges', { user: bob, body: SCOPE });
      if (r.status === 201) ch = { id: r.body.challengeId, guid: r.body.challenges[0].guid };
      else {
        assertGeneric503(r, 'while reconnecting');
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    t.diagnostic(`service resumed ${Date.now() - upAt} ms after Postgres accepted connections again`);

    const rightCode = codeAt(bob0.secret, bob0.step + 1);
    const ok = await resume(bob, ch, rightCode);
    assert.equal(ok.status, 200, `the right code of a later step verifies: ${show(ok)}`);
    assert.equal((await transfer(bob, ok.body.token)).status, 200);
    // Replays are refused: the code just used, on a challenge started before the crash, and alice's
    // code accepted before the crash (its replay mark was committed, so it survived).
    assert.equal((await resume(bob, await startChallenge(bob), rightCode)).status, 403);
    assert.equal((await resume(bob, pending[1]!, rightCode)).status, 403);
    const aliceReplay = await resume(alice, await startChallenge(alice), aliceCode);
    assert.equal(aliceReplay.status, 403, show(aliceReplay));
    assert.equal(aliceReplay.body.error.code, 'code_used', 'a replay says so (docs/server.md)');

    const factors = await call(url(), 'GET', '/mfa/factors', { user: bob });
    assert.equal(factors.status, 200);
    assert.equal(factors.body.factors.length, 1);
    assert.equal(factors.body.recoveryCodesLeft, 10, 'the confirmation and its recovery codes committed together');
    assert.equal(instance!.proc.pid, pid);
    assert.equal(instance!.proc.exitCode, null, 'the same process served throughout');
  });
});
