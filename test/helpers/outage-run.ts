/**
 * The two halves every outage test shares (test/server/outage*.test.ts): a run of verifications
 * kept going across a store's crash, and the poll that waits for service to come back. Each test
 * brings its own instance, store and checks; these say what "failed closed" and "resumed" mean.
 */
import assert from 'node:assert/strict';
import { assertGeneric503, call, SCOPE, userSteps, wrongCode, type Answer, type Instance, type PendingChallenge } from './instance-server.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface OutageRun {
  /** The instance under test (read after `before` started it). */
  instance: () => Instance;
  /** The enrolled user whose challenges the run starts and answers with a wrong code. */
  user: string;
  secret: string;
  /** Takes the store down (crash, SIGKILL); the run is 300 ms old by then. */
  stop: () => Promise<void> | void;
  /** The test's own checks while the store is down; the run goes on 1 s more after them. */
  during: () => Promise<void>;
}

/**
 * Runs 4 workers that start a challenge and answer it with a wrong code, over and over, across
 * `stop`. Checks that nothing hung or broke a connection, nothing verified, the run verified
 * before the outage, every answer during it was a generic 503, and the instance still runs.
 * Returns how many requests the run made before and during the outage and the slowest answer.
 */
export async function runAcross({ instance, user, secret, stop, during }: OutageRun) {
  const url = () => instance().url;
  const { resume } = userSteps(url);
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
      const created = await record('create', call(url(), 'POST', '/mfa/challenges', { user, body: SCOPE }));
      if (created?.status === 201) await record('resume', resume(user, { id: created.body.challengeId, guid: created.body.challenges[0].guid }, wrongCode(secret)));
      await pause(10);
    }
  };
  const workers = Array.from({ length: 4 }, () => worker());
  await pause(300);
  await stop();
  const downAt = Date.now();
  try {
    await during();
    await pause(1_000);
  } finally {
    running = false;
    await Promise.all(workers);
  }
  assert.deepEqual(run.filter((e) => e.error).map((e) => `${e.what}: ${e.error}`), [], 'no request hung or broke the connection');
  assert.equal(run.filter((e) => e.answer!.status === 200).length, 0, 'no verification succeeded');
  const beforeStop = run.filter((e) => e.start < downAt);
  const duringOutage = run.filter((e) => e.start >= downAt);
  assert.ok(beforeStop.some((e) => e.what === 'resume' && e.answer!.status === 403), 'the run verified before the outage');
  assert.ok(duringOutage.length >= 4, `the run went on during the outage (${duringOutage.length} requests)`);
  for (const e of duringOutage) assertGeneric503(e.answer!, `run ${e.what}`);
  assert.equal(instance().proc.exitCode, null, 'the instance is still running');
  assert.equal(instance().proc.signalCode, null);
  return { before: beforeStop.length, during: duringOutage.length, slowest: Math.round(Math.max(...duringOutage.map((e) => e.answer!.ms))) };
}

/** Polls challenge creation until the instance serves again (at most 50 polls, 100 ms apart). */
export async function untilServing(url: () => string, user: string): Promise<{ challenge: PendingChallenge; polls: number }> {
  for (let polls = 0; ; polls++) {
    assert.ok(polls < 50, 'service resumed within 50 polls');
    const r = await call(url(), 'POST', '/mfa/challenges', { user, body: SCOPE });
    if (r.status === 201) return { challenge: { id: r.body.challengeId, guid: r.body.challenges[0].guid }, polls };
    assertGeneric503(r, 'while reconnecting');
    await pause(100);
  }
}
