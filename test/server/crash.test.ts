/**
 * Fail closed and recover (docs/operating.md "Fail closed, and coming back"), kill -9: one real instance on SQLite (WAL) in a temp
 * DATA_DIR is killed with SIGKILL at various moments of an enrollment, then restarted on the
 * same folder. Each time, while it is down, the database file (opened read-only) must pass
 * `PRAGMA integrity_check`, and every factor must be either confirmed — then its user has the
 * recovery codes the same transaction wrote — or unconfirmed. After the restart, over HTTP:
 *  - an unconfirmed factor can never be used for a step-up: with no confirmed factor the user
 *    is `not_enrolled`; once another factor is confirmed, asking for the pending one gets a
 *    decoy challenge that refuses the pending factor's correct code with 403, like a wrong code;
 *  - a confirmed factor still verifies (the next step's code).
 *
 * Moments (cycled): during POST /mfa/factors (0–50 ms after sending), right after its 201,
 * during POST …/confirm (0–50 ms after sending), right after its 200. The delays are random;
 * each iteration prints its moment, so a failure can be reproduced.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SecretBox } from '../../src/server/crypto/secret-box.js';
import { base32Encode } from '../../src/server/totp/base32.js';
import { call, codeAt, currentStep, startInstance, type Answer, type Instance } from '../helpers/instance-server.js';

const ITERATIONS = 10;
const SCOPE = { resource: 'payments', action: 'transfer' };
const MOMENTS = ['during enroll', 'during confirm', 'after enroll', 'after confirm'] as const;
type Moment = (typeof MOMENTS)[number];

let dir: string;
let env: Record<string, string>;
let box: SecretBox;
let instance: Instance | undefined;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mfa-crash-'));
  const keyHex = randomBytes(32).toString('hex');
  box = new SecretBox(Buffer.from(keyHex, 'hex'));
  env = { MFA_STORE_KIND: 'sqlite', DATA_DIR: dir, MFA_KEY_HEX: keyHex };
});

after(async () => {
  await instance?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const describeAnswer = (a: Answer) => `${a.status} ${JSON.stringify(a.body)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const url = () => instance!.url;

interface FactorRow { sub: string; id: string; confirmed: number; secret_enc: string; last_step: number }

/** What the database says while the instance is down (read-only: the test never writes it). */
function inspect() {
  const db = new Database(join(dir, 'mfa.db'), { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
    const factors = db.prepare('SELECT sub, id, confirmed, secret_enc, last_step FROM factors ORDER BY sub, created_at').all() as FactorRow[];
    const codes = db.prepare('SELECT sub, COUNT(*) AS n, SUM(used_at IS NULL) AS unused FROM recovery_codes GROUP BY sub').all() as { sub: string; n: number; unused: number }[];
    return { integrity, factors, codes: new Map(codes.map((c) => [c.sub, c])) };
  } finally {
    db.close();
  }
}

/** The code an authenticator app would show for `row`'s secret (decrypted with the instances' key). */
function codeFor(row: FactorRow, step: number): string {
  const secret = base32Encode(box.open(row.secret_enc, `totp:${row.sub}:${row.id}`));
  return codeAt(secret, step);
}

async function challenge(sub: string, factorId: string) {
  return call(url(), 'POST', '/mfa/challenges', { user: sub, body: { ...SCOPE, factorId } });
}

async function resume(sub: string, started: Answer, value: string) {
  return call(url(), 'POST', `/mfa/challenges/${started.body.challengeId}/resume`, {
    user: sub, body: { answers: [{ guid: started.body.challenges[0].guid, value }] },
  });
}

/** Sends `request` and kills the instance `delay` ms later; the request may or may not have landed. */
async function killDuring(request: Promise<Answer>, delay: number): Promise<Answer | null> {
  const settled = request.then((a) => a, () => null);
  await sleep(delay);
  await instance!.kill();
  return settled;
}

describe('kill -9 during enrollment (SQLite, WAL)', { timeout: 300_000 }, () => {
  it(`leaves no usable half-written factor and no corruption, ${ITERATIONS} crashes`, async (t) => {
    instance = await startInstance(env);
    const seen = { confirmed: 0, unconfirmed: 0 };

    for (let i = 0; i < ITERATIONS; i++) {
      const moment: Moment = MOMENTS[i % MOMENTS.length]!;
      const delay = moment.startsWith('during') ? Math.floor(Math.random() * 51) : 0;
      const sub = `crash${i}-${process.pid}`;

      // 1. The crash.
      let answeredEnroll: Answer | null = null;
      let answeredConfirm: Answer | null = null;
      const enrollRequest = () => call(url(), 'POST', '/mfa/factors', { user: sub, body: { type: 'totp' } });
      if (moment === 'during enroll') {
        answeredEnroll = await killDuring(enrollRequest(), delay);
      } else {
        answeredEnroll = await enrollRequest();
        assert.equal(answeredEnroll.status, 201, describeAnswer(answeredEnroll));
        const confirm = () => call(url(), 'POST', `/mfa/factors/${answeredEnroll!.body.factorId}/confirm`, {
          user: sub, body: { code: codeAt(answeredEnroll!.body.secret, currentStep()) },
        });
        if (moment === 'after enroll') await instance!.kill();
        else if (moment === 'during confirm') answeredConfirm = await killDuring(confirm(), delay);
        else {
          answeredConfirm = await confirm();
          assert.equal(answeredConfirm.status, 200, describeAnswer(answeredConfirm));
          await instance!.kill();
        }
      }

      // 2. While it is down: the file is sound and every factor is in one of its two states.
      const db = inspect();
      assert.deepEqual(db.integrity, [{ integrity_check: 'ok' }], `iteration ${i}: integrity`);
      for (const row of db.factors) {
        assert.ok(row.confirmed === 0 || row.confirmed === 1, `factor ${row.id}: confirmed=${row.confirmed}`);
      }
      for (const s of new Set(db.factors.map((f) => f.sub))) {
        const hasConfirmed = db.factors.some((f) => f.sub === s && f.confirmed === 1);
        const codes = db.codes.get(s);
        // Confirmation writes the first factor's recovery codes in the same transaction.
        if (hasConfirmed) assert.equal(codes?.n, 10, `${s}: confirmed factor without its recovery codes`);
        else assert.equal(codes, undefined, `${s}: recovery codes without a confirmed factor`);
      }
      const mine = db.factors.filter((f) => f.sub === sub);
      // What was answered is durable.
      if (answeredEnroll?.status === 201) assert.ok(mine.some((f) => f.id === answeredEnroll!.body.factorId), 'an answered enrollment is kept');
      if (answeredConfirm?.status === 200) assert.equal(mine.find((f) => f.id === answeredEnroll!.body.factorId)?.confirmed, 1, 'an answered confirmation is kept');
      assert.ok(mine.length <= 1);

      const row = mine[0];
      const answered = (a: Answer | null) => (a ? String(a.status) : 'no answer');
      t.diagnostic(`iteration ${i}: kill ${moment}${moment.startsWith('during') ? ` +${delay} ms` : ''}; ` +
        `enroll ${answered(answeredEnroll)}${moment.includes('confirm') ? `, confirm ${answered(answeredConfirm)}` : ''}; ` +
        `factor ${row ? (row.confirmed ? 'confirmed' : 'pending') : 'none'}`);

      // 3. Restart on the same folder and use what is there.
      instance = await startInstance(env);
      if (!row) {
        const challenged = await call(url(), 'POST', '/mfa/challenges', { user: sub, body: SCOPE });
        assert.equal(challenged.status, 409, `no factor landed: ${describeAnswer(challenged)}`);
        continue;
      }
      if (row.confirmed === 1) {
        seen.confirmed++;
        const listed = await call(url(), 'GET', '/mfa/factors', { user: sub });
        assert.deepEqual(listed.body.factors.map((f: { id: string }) => f.id), [row.id]);
        assert.equal(listed.body.recoveryCodesLeft, 10);
        const started = await challenge(sub, row.id);
        assert.equal(started.status, 201, describeAnswer(started));
        const verified = await resume(sub, started, codeFor(row, row.last_step + 1));
        assert.equal(verified.status, 200, `a confirmed factor still verifies: ${describeAnswer(verified)}`);
        assert.equal(verified.body.status, 'VERIFIED');
        continue;
      }

      seen.unconfirmed++;
      // Pending and alone: the user is simply not enrolled.
      const alone = await challenge(sub, row.id);
      assert.equal(alone.status, 409, describeAnswer(alone));
      assert.equal(alone.body.error.code, 'not_enrolled');
      const listed = await call(url(), 'GET', '/mfa/factors', { user: sub });
      assert.deepEqual(listed.body, { factors: [], recoveryCodesLeft: 0, available: ['totp', 'webauthn'] });

      // Once another factor is confirmed, the pending one gets a decoy that refuses its right code.
      const other = await call(url(), 'POST', '/mfa/factors', { user: sub, body: { type: 'totp' } });
      assert.equal(other.status, 201, describeAnswer(other));
      const otherStep = currentStep();
      const confirmed = await call(url(), 'POST', `/mfa/factors/${other.body.factorId}/confirm`, {
        user: sub, body: { code: codeAt(other.body.secret, otherStep) },
      });
      assert.equal(confirmed.status, 200, describeAnswer(confirmed));
      const decoy = await challenge(sub, row.id);
      assert.equal(decoy.status, 201, `a pending factor id gets a decoy: ${describeAnswer(decoy)}`);
      assert.equal(decoy.body.factor.id, row.id);
      for (const offset of [0, 1]) {
        const refused = await resume(sub, decoy, codeFor(row, currentStep() + offset));
        assert.equal(refused.status, 403, `the pending factor's right code: ${describeAnswer(refused)}`);
        assert.equal(refused.body.error.code, 'invalid_code');
      }
      // The confirmed one works.
      const real = await challenge(sub, other.body.factorId);
      const verified = await resume(sub, real, codeAt(other.body.secret, otherStep + 1));
      assert.equal(verified.status, 200, describeAnswer(verified));
    }
    t.diagnostic(`factors found after the crashes: ${seen.confirmed} confirmed, ${seen.unconfirmed} pending`);

    // A last crash in the middle of nothing: the file is still sound.
    await instance!.kill();
    assert.deepEqual(inspect().integrity, [{ integrity_check: 'ok' }]);
  });
});
