/**
 * "Many instances": real server processes sharing one store (same encryption key), driven over
 * HTTP like a load balancer would — over one Redis, one Postgres, and Postgres with Redis for
 * the ephemeral data (SplitStore).
 *
 *  - exactly once: one valid code sent 100 times at once, 50 to each instance, each on its own
 *    challenge, is accepted once; 20 rounds, zero double accepts; the same for an HOTP token's code;
 *  - lockout: 10 wrong codes alternating between the instances lock the factor on both;
 *  - shared keys: a token from one instance opens the other's guarded route; same JWKS;
 *  - one-time tokens: a token spent on one instance is refused on the other;
 *  - texted codes: a phone enrolled on one instance and confirmed on the other; one right SMS
 *    code answered 100 times at once over both instances is accepted once (codes go out through
 *    the signed webhook sender to a receiver in this process).
 *
 * Two pairs of instances: pair P runs the exactly-once rounds with a lockout threshold above 100,
 * so that the 99 losers all answer 403 `code_used` (with the default threshold of 10, replays
 * count as failures and the later ones answer 423 — pair Q shows that round too); pair Q keeps
 * the default lockout policy for the lockout round.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { STEP_UP_HEADER } from '../../src/core/types.js';
import { base32Encode } from '../../src/server/totp/base32.js';
import { hotpCode } from '../helpers/otp.mjs';
import { call, codeAt, currentStep, startInstance, wrongCode, type Answer, type Instance } from '../helpers/instance-server.js';
import { createDatabase } from '../helpers/postgres-server.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../helpers/redis-server.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const SMS_SECRET = 'multi-instance-sms-secret';
let sms: Receiver;

const ROUNDS = 20;
const PER_ROUND = 100;
const SCOPE = { resource: 'payments', action: 'transfer' };

/** One backend's shared store, as instance-server environment variables; `cleanup` removes its data. */
interface Backend {
  name: string;
  make(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;
}

/** `MULTI_ONLY='one Postgres'` (a backend's name) runs one backend only, for local runs. */
const ONLY = process.env.MULTI_ONLY;
const BACKENDS: Backend[] = [
  {
    name: 'one Redis',
    async make() {
      const url = await redisUrl();
      const prefix = uniquePrefix('multi');
      return { env: { MFA_STORE_KIND: 'redis', REDIS_URL: url, MFA_PREFIX: prefix }, cleanup: () => dropPrefix(url, prefix) };
    },
  },
  {
    name: 'one Postgres',
    async make() {
      const db = await createDatabase('multi');
      return { env: { MFA_STORE_KIND: 'postgres', MFA_STORE: db.url }, cleanup: db.drop };
    },
  },
  {
    name: 'Postgres + Redis',
    async make() {
      const [db, url] = await Promise.all([createDatabase('multi_split'), redisUrl()]);
      const prefix = uniquePrefix('multi-split');
      return {
        env: { MFA_STORE_KIND: 'postgres+redis', MFA_STORE: db.url, MFA_EPHEMERAL_STORE: url, MFA_PREFIX: prefix },
        cleanup: async () => { await db.drop(); await dropPrefix(url, prefix); },
      };
    },
  },
];

before(async () => {
  sms = await startReceiver({ secret: SMS_SECRET, now: Date.now });
});

after(async () => {
  await sms?.close();
});

const user = (name: string) => `${name}-${process.pid}-${randomBytes(4).toString('hex')}`;


const describeAnswer = (a: Answer) => `${a.status} ${JSON.stringify(a.body)}`;

/** Enroll on `enrollOn`, confirm on `confirmOn` with the current step's code; returns the step used. */
async function enroll(enrollOn: Instance, confirmOn: Instance, sub: string) {
  const e = await call(enrollOn.url, 'POST', '/mfa/factors', { user: sub, body: { type: 'totp' } });
  assert.equal(e.status, 201, `enroll: ${describeAnswer(e)}`);
  const step = currentStep();
  const c = await call(confirmOn.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { user: sub, body: { code: codeAt(e.body.secret, step) } });
  assert.equal(c.status, 200, `confirm: ${describeAnswer(c)}`);
  assert.equal(c.body.recoveryCodes?.length, 10);
  return { factorId: e.body.factorId as string, secret: e.body.secret as string, step };
}

async function startChallenge(on: Instance, sub: string) {
  const r = await call(on.url, 'POST', '/mfa/challenges', { user: sub, body: SCOPE });
  assert.equal(r.status, 201, `challenge: ${describeAnswer(r)}`);
  return { id: r.body.challengeId as string, guid: r.body.challenges[0].guid as string };
}

const resume = (on: Instance, sub: string, ch: { id: string; guid: string }, value: string) =>
  call(on.url, 'POST', `/mfa/challenges/${ch.id}/resume`, { user: sub, body: { answers: [{ guid: ch.guid, value }] } });

/**
 * One round: a fresh user enrolled across both instances; 100 challenges (50 started on each);
 * all 100 answered at once with the same valid code of the next step, each challenge on the
 * instance that did not start it. Returns the answers and which instance answered each.
 */
async function race([a, b]: [Instance, Instance], sub: string) {
  const { secret, step } = await enroll(a, b, sub);
  const starters = Array.from({ length: PER_ROUND }, (_, i) => (i % 2 === 0 ? a : b));
  const challenges = await Promise.all(starters.map((on) => startChallenge(on, sub)));
  const code = codeAt(secret, step + 1);
  const answerers = starters.map((on) => (on === a ? b : a));
  const answers = await Promise.all(challenges.map((ch, i) => resume(answerers[i]!, sub, ch, code)));
  return { answers, answerers };
}

for (const backend of BACKENDS.filter((b) => !ONLY || b.name === ONLY)) describe(`two instances sharing ${backend.name}`, { timeout: 240_000 }, () => {
  const instances: Instance[] = [];
  let P: [Instance, Instance];
  let Q: [Instance, Instance];
  let cleanup: (() => Promise<void>) | undefined;

  before(async () => {
    // Pair P and pair Q have their own data (two databases, or two key prefixes).
    const [p, q] = await Promise.all([backend.make(), backend.make()]);
    cleanup = async () => { await p.cleanup(); await q.cleanup(); };
    const keyHex = randomBytes(32).toString('hex');
    const pairP = { ...p.env, MFA_KEY_HEX: keyHex, MFA_MAX_FAILURES: '1000', SMS_WEBHOOK_URL: sms.url, SMS_WEBHOOK_SECRET: SMS_SECRET };
    const pairQ = { ...q.env, MFA_KEY_HEX: keyHex };
    // The second of a pair starts once the first has migrated the schema (starting together is
    // the subject of its own test).
    for (const env of [pairP, pairQ]) {
      const first = await startInstance(env);
      instances.push(first, await startInstance(env));
    }
    P = [instances[0]!, instances[1]!];
    Q = [instances[2]!, instances[3]!];
  });

  after(async () => {
    await Promise.all(instances.map((i) => i.kill()));
    await cleanup?.();
  });

  it(`accept a code sent ${PER_ROUND} times at once exactly once, ${ROUNDS} rounds in a row`, async (t) => {
    const started = Date.now();
    let accepted = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const sub = user(`race${round}`);
      const { answers, answerers } = await race(P, sub);
      const wins = answers.map((a, i) => ({ a, on: answerers[i]! })).filter(({ a }) => a.status === 200);
      const losers = answers.filter((a) => a.status !== 200);
      assert.equal(wins.length, 1, `round ${round}: ${wins.length} accepts`);
      assert.equal(losers.length, PER_ROUND - 1);
      for (const l of losers) {
        assert.equal(l.status, 403, `round ${round}: ${describeAnswer(l)}`);
        assert.equal(l.body.error.code, 'code_used', 'a racing loser held the right code: it is told the code was used');
      }
      const win = wins[0]!;
      assert.equal(win.a.body.status, 'VERIFIED');
      accepted += wins.length;

      // The winner's token opens the guarded route of the other instance.
      const other = win.on === P[0] ? P[1] : P[0];
      const transfer = await call(other.url, 'POST', '/api/transfer', { user: sub, headers: { [STEP_UP_HEADER]: win.a.body.token } });
      assert.equal(transfer.status, 200, `round ${round} transfer: ${describeAnswer(transfer)}`);
      assert.equal(transfer.body.pid, other.proc.pid);
    }
    assert.equal(accepted, ROUNDS, 'zero double accepts');
    t.diagnostic(`${ROUNDS} rounds × ${PER_ROUND} answers in ${Date.now() - started} ms`);
  });

  it(`accept an HOTP token's code (RFC 4226 counter) sent ${PER_ROUND} times at once exactly once`, async () => {
    const [a, b] = P;
    const sub = user('hotp');
    const secret = base32Encode(randomBytes(20));
    const e = await call(a.url, 'POST', '/mfa/factors', { user: sub, body: { type: 'hotp', secret } });
    assert.equal(e.status, 201, `enroll: ${describeAnswer(e)}`);
    const c = await call(b.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { user: sub, body: { code: hotpCode(secret, 0) } });
    assert.equal(c.status, 200, `confirm: ${describeAnswer(c)}`);
    for (const counter of [1, 2, 3]) {
      const starters = Array.from({ length: PER_ROUND }, (_, i) => (i % 2 === 0 ? a : b));
      const challenges = await Promise.all(starters.map((on) => startChallenge(on, sub)));
      const code = hotpCode(secret, counter);
      const answers = await Promise.all(challenges.map((ch, i) => resume(starters[i] === a ? b : a, sub, ch, code)));
      const wins = answers.filter((x) => x.status === 200);
      assert.equal(wins.length, 1, `counter ${counter}: ${wins.length} accepts`);
      assert.equal(wins[0]!.body.status, 'VERIFIED');
      for (const l of answers.filter((x) => x.status !== 200)) assert.equal(l.body.error?.code, 'code_used', describeAnswer(l)); // a replay, as with TOTP
    }
    // An older press never works again, on either instance.
    const late = await resume(a, sub, await startChallenge(b, sub), hotpCode(secret, 2));
    assert.equal(late.status, 403, describeAnswer(late));
  });

  it('keep exactly once under the default lockout policy (late replays may answer 423)', async () => {
    const { answers } = await race(Q, user('race-default'));
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses: ${statuses.join(',')}`);
    for (const a of answers.filter((x) => x.status !== 200)) {
      assert.ok(
        (a.status === 403 && a.body.error.code === 'code_used') || (a.status === 423 && a.body.error.code === 'locked'),
        describeAnswer(a),
      );
    }
  });

  it('lock a factor after 10 wrong codes spread over both instances, on both', async () => {
    const [a, b] = Q;
    const sub = user('lockout');
    const { secret, step } = await enroll(a, b, sub);
    // Started before the lock: answering them later must not get past it either.
    const earlyOnA = await startChallenge(a, sub);
    const earlyOnB = await startChallenge(b, sub);

    for (let i = 1; i <= 10; i++) {
      const on = i % 2 === 1 ? a : b;
      const ch = await startChallenge(on, sub);
      const r = await resume(on, sub, ch, wrongCode(secret));
      if (i < 10) {
        assert.equal(r.status, 403, `attempt ${i}: ${describeAnswer(r)}`);
        assert.equal(r.body.error.code, 'invalid_code');
        assert.equal(r.body.error.attemptsLeft, 10 - i, 'both instances count the same failures');
      } else {
        assert.equal(r.status, 423, `attempt ${i}: ${describeAnswer(r)}`);
        assert.equal(r.body.error.code, 'locked');
        assert.ok(r.body.error.retryAfter > 0);
        assert.equal(r.headers.get('retry-after'), String(r.body.error.retryAfter));
      }
    }

    // The right code, on either instance, on challenges started before the lock: still locked.
    const right = codeAt(secret, step + 1);
    for (const [on, ch] of [[a, earlyOnA], [b, earlyOnB]] as const) {
      const r = await resume(on, sub, ch, right);
      assert.equal(r.status, 423, describeAnswer(r));
      assert.equal(r.body.error.code, 'locked');
    }
    // And no new challenge on either.
    for (const on of [a, b]) {
      const r = await call(on.url, 'POST', '/mfa/challenges', { user: sub, body: SCOPE });
      assert.equal(r.status, 423, describeAnswer(r));
      assert.equal(r.body.error.code, 'locked');
    }
  });

  it('share the signing key: a token from one instance passes the other; same JWKS', async () => {
    const [a, b] = Q;
    const sub = user('token');
    const { secret, step } = await enroll(b, a, sub);
    const ch = await startChallenge(a, sub);
    const verified = await resume(a, sub, ch, codeAt(secret, step + 1));
    assert.equal(verified.status, 200, describeAnswer(verified));
    const token = verified.body.token as string;

    const onB = await call(b.url, 'POST', '/api/transfer', { user: sub, headers: { [STEP_UP_HEADER]: token } });
    assert.equal(onB.status, 200, describeAnswer(onB));
    assert.deepEqual({ ok: onB.body.ok, by: onB.body.by, pid: onB.body.pid }, { ok: true, by: sub, pid: b.proc.pid });
    // Bound to its user on every instance.
    const stranger = await call(b.url, 'POST', '/api/transfer', { user: user('mallory'), headers: { [STEP_UP_HEADER]: token } });
    assert.equal(stranger.status, 401);

    const [jwksA, jwksB] = await Promise.all([a, b].map((i) => call(i.url, 'GET', '/mfa/jwks.json')));
    assert.equal(jwksA!.status, 200);
    assert.equal(jwksB!.status, 200);
    assert.deepEqual(jwksB!.body, jwksA!.body);
    assert.equal(jwksA!.body.keys.length, 1);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
    assert.equal(header.kid, jwksA!.body.keys[0].kid, 'the token names the shared key');
  });

  it('spend a one-time token once: 20 uses at once over both instances, one accepted, the rest asked to step up', async () => {
    const [a, b] = Q;
    const sub = user('once');
    const { secret, step } = await enroll(a, b, sub);
    const v = await resume(a, sub, await startChallenge(a, sub), codeAt(secret, step + 1));
    assert.equal(v.status, 200, describeAnswer(v));
    const spend = (on: Instance) => call(on.url, 'POST', '/api/transfer-once', { user: sub, headers: { [STEP_UP_HEADER]: v.body.token } });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => spend(i % 2 ? a : b)));
    assert.equal(answers.filter((x) => x.status === 200).length, 1, answers.map((x) => x.status).join(','));
    for (const x of answers.filter((y) => y.status !== 200)) {
      assert.equal(x.status, 401, describeAnswer(x));
      assert.match(x.headers.get('www-authenticate') ?? '', /insufficient_user_authentication/);
    }
    // Later, on either instance: still spent.
    for (const on of [a, b]) assert.equal((await spend(on)).status, 401);
  });

  it('accept a texted code answered 100 times at once over both instances exactly once', async () => {
    const sub = user('sms');
    const [a, b] = P;
    /** The code in the newest message for `to` the receiver got (a valid signature is required). */
    const codeSentTo = async (to: string, after: number) => {
      await sms.waitForRequests(after + 1);
      const mine = sms.requests.slice(after).filter((r) => r.valid && JSON.parse(r.body).to === to);
      assert.equal(mine.length, 1, 'one message');
      return JSON.parse(mine[0]!.body).code as string;
    };
    const phone = '+15550003333';
    let seen = sms.requests.length;
    const e = await call(a.url, 'POST', '/mfa/factors', { user: sub, body: { type: 'phone', phone } });
    assert.equal(e.status, 201, describeAnswer(e));
    const confirmCode = await codeSentTo(phone, seen);
    const c = await call(b.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { user: sub, body: { code: confirmCode } });
    assert.equal(c.status, 200, describeAnswer(c));

    seen = sms.requests.length;
    const ch = await startChallenge(a, sub);
    const code = await codeSentTo(phone, seen);
    const answers = await Promise.all(Array.from({ length: PER_ROUND }, (_, i) => resume(i % 2 ? a : b, sub, ch, code)));
    const wins = answers.filter((x) => x.status === 200);
    assert.equal(wins.length, 1, `${wins.length} accepts`);
    assert.deepEqual(wins[0]!.body.amr, ['sms']);
    // The others find the challenge gone (it is single use), never a second token.
    for (const l of answers.filter((x) => x.status !== 200)) assert.equal(l.status, 404, describeAnswer(l));
  });
});
