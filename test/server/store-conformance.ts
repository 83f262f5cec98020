import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type {
  AuditEvent, FreshnessRecord, MfaStore, SigningKeyRecord, StoredChallenge, StoredFactor,
} from '../../src/server/stores/store.js';

export interface StoreHandle {
  store: MfaStore;
  /** Runs after `store.close()`; removes whatever `make` created (files, keys). */
  cleanup?: () => Promise<void>;
}

const T0 = 1_700_000_000_000;

function factor(over: Partial<StoredFactor> = {}): StoredFactor {
  return {
    id: 'f1', sub: 'alice', type: 'totp', label: 'Phone', secretEnc: 'enc:secret', algorithm: 'SHA1',
    digits: 6, period: 30, confirmed: true, createdAt: T0, lastUsedAt: null, lastStep: -1, ...over,
  };
}

function challenge(over: Partial<StoredChallenge> = {}): StoredChallenge {
  return {
    id: 'c1', sub: 'alice', resource: 'payments', action: 'transfer', factorId: 'f1', stepGuid: 'g-1',
    reason: 'large transfer', createdAt: T0, expiresAt: T0 + 300_000, ...over,
  };
}

function signingKey(over: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  return { kid: 'k1', alg: 'ES256', publicJwk: '{"kty":"EC"}', privateJwkEnc: 'enc:private', createdAt: T0, ...over };
}

function auditEvent(over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: 'e1', at: '2026-01-01T00:00:00.000Z', type: 'stepup.verify', sub: 'alice', resource: 'payments',
    action: 'transfer', factor: 'totp', severity: 'info', status: 'success',
    metadata: { attempt: 1, nested: { ok: true } }, ip: '203.0.113.7', ...over,
  };
}

const POLICY = { maxFailures: 3, baseLockMs: 1_000 };

/**
 * The MfaStore contract as tests. Every backend runs this unchanged; `make` must return an empty store,
 * and is called once per test so tests cannot leak state into each other.
 */
export function storeConformance(name: string, make: () => Promise<StoreHandle>): void {
  describe(`MfaStore conformance: ${name}`, () => {
    let h: StoreHandle;
    let store: MfaStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await store.close();
      await h.cleanup?.();
    });

    describe('factors', () => {
      it('inserts and gets a factor, only for its own sub', async () => {
        await store.insertFactor(factor());
        assert.deepEqual(await store.getFactor('alice', 'f1'), factor());
        assert.equal(await store.getFactor('mallory', 'f1'), null);
        assert.equal(await store.getFactor('alice', 'nope'), null);
      });

      it('rejects a second insert of the same factor and keeps the first', async () => {
        await store.insertFactor(factor({ lastStep: 100 }));
        await assert.rejects(store.insertFactor(factor({ lastStep: -1, label: 'Other' })));
        assert.deepEqual(await store.getFactor('alice', 'f1'), factor({ lastStep: 100 }));
      });

      it('lists every factor of the user, confirmed or not, oldest first', async () => {
        await store.insertFactor(factor({ id: 'b', createdAt: T0 + 2 }));
        await store.insertFactor(factor({ id: 'a', createdAt: T0 + 1, confirmed: false }));
        await store.insertFactor(factor({ id: 'c', createdAt: T0 + 2 }));
        await store.insertFactor(factor({ id: 'x', sub: 'bob' }));
        assert.deepEqual((await store.listFactors('alice')).map((f) => f.id), ['a', 'b', 'c']);
        assert.deepEqual(await store.listFactors('nobody'), []);
      });

      it('confirms a pending factor once', async () => {
        await store.insertFactor(factor({ confirmed: false }));
        assert.equal(await store.confirmFactor('mallory', 'f1'), false);
        assert.equal((await store.getFactor('alice', 'f1'))?.confirmed, false);
        assert.equal(await store.confirmFactor('alice', 'f1'), true);
        assert.equal((await store.getFactor('alice', 'f1'))?.confirmed, true);
        assert.equal(await store.confirmFactor('alice', 'f1'), false);
        assert.equal(await store.confirmFactor('alice', 'missing'), false);
      });

      it('confirming with recovery hashes replaces the user\'s codes in the same step, once', async () => {
        await store.insertFactor(factor({ confirmed: false }));
        await store.replaceRecoveryCodes('alice', ['old']);
        assert.equal(await store.confirmFactor('alice', 'f1', ['h1', 'h2']), true);
        assert.equal(await store.countRecoveryCodes('alice'), 2);
        assert.equal(await store.consumeRecoveryCode('alice', 'old', T0), false);
        // A second confirmation changes nothing, codes included.
        assert.equal(await store.confirmFactor('alice', 'f1', ['h3']), false);
        assert.equal(await store.consumeRecoveryCode('alice', 'h3', T0), false);
        assert.equal(await store.countRecoveryCodes('alice'), 2);
      });

      it('renames only the owner\'s factor', async () => {
        await store.insertFactor(factor());
        assert.equal(await store.renameFactor('mallory', 'f1', 'pwned'), false);
        assert.equal((await store.getFactor('alice', 'f1'))?.label, 'Phone');
        assert.equal(await store.renameFactor('alice', 'f1', 'Work phone'), true);
        assert.equal((await store.getFactor('alice', 'f1'))?.label, 'Work phone');
        assert.equal(await store.renameFactor('alice', 'missing', 'x'), false);
      });

      it('touches only the owner\'s factor: lastUsedAt moves, the counter does not', async () => {
        await store.insertFactor(factor({ type: 'webauthn', lastStep: 7 }));
        assert.equal(await store.touchFactor('mallory', 'f1', T0 + 5), false);
        assert.equal(await store.touchFactor('alice', 'f1', T0 + 5), true);
        const f = await store.getFactor('alice', 'f1');
        assert.equal(f?.lastUsedAt, T0 + 5);
        assert.equal(f?.lastStep, 7);
        assert.equal(f?.type, 'webauthn');
        assert.equal(await store.touchFactor('alice', 'missing', T0), false);
      });

      it('deletes only the owner\'s factor, once', async () => {
        await store.insertFactor(factor());
        assert.equal(await store.deleteFactor('mallory', 'f1'), false);
        assert.notEqual(await store.getFactor('alice', 'f1'), null);
        assert.equal(await store.deleteFactor('alice', 'f1'), true);
        assert.equal(await store.getFactor('alice', 'f1'), null);
        assert.equal(await store.deleteFactor('alice', 'f1'), false);
      });

      it('deletePendingFactors removes only the user\'s unconfirmed factors older than the cutoff', async () => {
        await store.insertFactor(factor({ id: 'old-pending', confirmed: false, createdAt: T0 }));
        await store.insertFactor(factor({ id: 'new-pending', confirmed: false, createdAt: T0 + 10_000 }));
        await store.insertFactor(factor({ id: 'old-confirmed', confirmed: true, createdAt: T0 }));
        await store.insertFactor(factor({ id: 'at-cutoff', confirmed: false, createdAt: T0 + 5_000 }));
        await store.insertFactor(factor({ id: 'bob-pending', sub: 'bob', confirmed: false, createdAt: T0 }));
        assert.equal(await store.deletePendingFactors('alice', T0 + 5_000), 1);
        assert.deepEqual((await store.listFactors('alice')).map((f) => f.id).sort(),
          ['at-cutoff', 'new-pending', 'old-confirmed']);
        assert.equal((await store.listFactors('bob')).length, 1);
        assert.equal(await store.deletePendingFactors('alice', T0 + 5_000), 0);
      });

      it('returns copies: mutating inputs or results never changes stored state', async () => {
        const input = factor();
        await store.insertFactor(input);
        input.lastStep = 999;
        input.label = 'changed';
        const got = (await store.getFactor('alice', 'f1'))!;
        got.lastStep = 999;
        got.confirmed = false;
        const listed = await store.listFactors('alice');
        listed[0]!.secretEnc = 'tampered';
        assert.deepEqual(await store.getFactor('alice', 'f1'), factor());
      });
    });

    describe('advanceLastStep (replay rule)', () => {
      it('only moves forward and records lastUsedAt', async () => {
        await store.insertFactor(factor());
        assert.equal(await store.advanceLastStep('alice', 'f1', 0, T0 + 1), true);
        assert.equal(await store.advanceLastStep('alice', 'f1', 10, T0 + 2), true);
        let f = (await store.getFactor('alice', 'f1'))!;
        assert.equal(f.lastStep, 10);
        assert.equal(f.lastUsedAt, T0 + 2);
        assert.equal(await store.advanceLastStep('alice', 'f1', 10, T0 + 3), false, 'same step replayed');
        assert.equal(await store.advanceLastStep('alice', 'f1', 9, T0 + 4), false, 'older step');
        f = (await store.getFactor('alice', 'f1'))!;
        assert.equal(f.lastStep, 10);
        assert.equal(f.lastUsedAt, T0 + 2, 'a losing call leaves lastUsedAt alone');
        assert.equal(await store.advanceLastStep('alice', 'f1', 11, T0 + 5), true);
      });

      it('refuses another user\'s factor and unknown ids', async () => {
        await store.insertFactor(factor());
        assert.equal(await store.advanceLastStep('mallory', 'f1', 5, T0), false);
        assert.equal(await store.advanceLastStep('alice', 'missing', 5, T0), false);
        assert.equal((await store.getFactor('alice', 'f1'))?.lastStep, -1);
      });

      it('works on a pending factor (the enrollment code burns its step)', async () => {
        await store.insertFactor(factor({ confirmed: false }));
        assert.equal(await store.advanceLastStep('alice', 'f1', 7, T0), true);
        assert.equal(await store.advanceLastStep('alice', 'f1', 7, T0), false);
        const f = (await store.getFactor('alice', 'f1'))!;
        assert.equal(f.lastStep, 7);
        assert.equal(f.confirmed, false);
      });

      it('100 concurrent calls with the same step: exactly one wins', async () => {
        await store.insertFactor(factor());
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) => store.advanceLastStep('alice', 'f1', 42, T0 + i)));
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal((await store.getFactor('alice', 'f1'))?.lastStep, 42);
      });
    });

    describe('failures and lockout', () => {
      it('starts at zero', async () => {
        assert.deepEqual(await store.getFailureState('alice', 'f1'), { failures: 0, lockedUntil: 0, lockCount: 0 });
      });

      it('counts failures and locks at maxFailures, doubling on the next lock', async () => {
        assert.deepEqual(await store.recordFailure('alice', 'f1', T0, POLICY), { failures: 1, lockedUntil: 0, lockCount: 0 });
        assert.deepEqual(await store.recordFailure('alice', 'f1', T0, POLICY), { failures: 2, lockedUntil: 0, lockCount: 0 });
        const locked = { failures: 0, lockedUntil: T0 + 1_000, lockCount: 1 };
        assert.deepEqual(await store.recordFailure('alice', 'f1', T0, POLICY), locked);
        assert.deepEqual(await store.getFailureState('alice', 'f1'), locked);

        // After the first lock lapses, the history is kept: the second lock lasts twice as long.
        const t1 = T0 + 10_000;
        await store.recordFailure('alice', 'f1', t1, POLICY);
        await store.recordFailure('alice', 'f1', t1, POLICY);
        const second = await store.recordFailure('alice', 'f1', t1, POLICY);
        assert.deepEqual(second, { failures: 0, lockedUntil: t1 + 2_000, lockCount: 2 });
        assert.deepEqual(await store.getFailureState('alice', 'f1'), second);

        const t2 = T0 + 20_000;
        for (let i = 0; i < 2; i++) await store.recordFailure('alice', 'f1', t2, POLICY);
        assert.deepEqual(await store.recordFailure('alice', 'f1', t2, POLICY),
          { failures: 0, lockedUntil: t2 + 4_000, lockCount: 3 });
      });

      it('keeps (sub, key) pairs independent', async () => {
        await store.recordFailure('alice', 'f1', T0, POLICY);
        await store.recordFailure('alice', 'f1', T0, POLICY);
        await store.recordFailure('alice', 'recovery', T0, POLICY);
        assert.equal((await store.getFailureState('alice', 'f1')).failures, 2);
        assert.equal((await store.getFailureState('alice', 'recovery')).failures, 1);
        assert.equal((await store.getFailureState('bob', 'f1')).failures, 0);
      });

      it('resetFailures forgets failures and lock history', async () => {
        for (let i = 0; i < 3; i++) await store.recordFailure('alice', 'f1', T0, POLICY);
        await store.recordFailure('alice', 'recovery', T0, POLICY);
        await store.resetFailures('alice', 'f1');
        assert.deepEqual(await store.getFailureState('alice', 'f1'), { failures: 0, lockedUntil: 0, lockCount: 0 });
        assert.equal((await store.getFailureState('alice', 'recovery')).failures, 1, 'other keys untouched');
        // The next lock is a first lock again: base duration.
        const t1 = T0 + 60_000;
        for (let i = 0; i < 2; i++) await store.recordFailure('alice', 'f1', t1, POLICY);
        assert.deepEqual(await store.recordFailure('alice', 'f1', t1, POLICY),
          { failures: 0, lockedUntil: t1 + 1_000, lockCount: 1 });
      });

      it('resetFailuresByPrefix clears that user\'s keys with the prefix, literally, and nothing else', async () => {
        for (const key of ['kba:flow-a', 'kba:q:x*y', 'kba:', 'f1', 'kbaX', 'recovery']) await store.recordFailure('alice', key, T0, POLICY);
        await store.recordFailure('bob', 'kba:flow-a', T0, POLICY);
        await store.recordFailure('al*', 'kba:flow-a', T0, POLICY);
        assert.equal(await store.resetFailuresByPrefix('alice', 'kba:'), 3);
        for (const key of ['kba:flow-a', 'kba:q:x*y', 'kba:']) assert.equal((await store.getFailureState('alice', key)).failures, 0, key);
        for (const key of ['f1', 'kbaX', 'recovery']) assert.equal((await store.getFailureState('alice', key)).failures, 1, key);
        assert.equal((await store.getFailureState('bob', 'kba:flow-a')).failures, 1, 'another user untouched');
        assert.equal((await store.getFailureState('al*', 'kba:flow-a')).failures, 1, 'a user id is no pattern');
        assert.equal(await store.resetFailuresByPrefix('al*', 'k%'), 0, 'a prefix is no pattern');
        assert.equal(await store.resetFailuresByPrefix('al*', 'kba:'), 1);
      });

      it('beginAttempt reserves at most maxFailures answers in flight, even when 50 race', async () => {
        const grants = await Promise.all(Array.from({ length: 50 }, () => store.beginAttempt('alice', 'f1', T0, POLICY)));
        assert.equal(grants.filter((g) => g.ok).length, 3);
        const refused = grants.find((g) => !g.ok);
        assert.deepEqual(refused, { ok: false, reason: 'busy', retryAt: T0 + 30_000 });
        // The three settle as failures: a lock, and nothing more may be checked until it lapses.
        await store.settleAttempt('alice', 'f1', T0, POLICY, 'failure');
        await store.settleAttempt('alice', 'f1', T0, POLICY, 'failure');
        assert.deepEqual(await store.settleAttempt('alice', 'f1', T0, POLICY, 'failure'), { failures: 0, lockedUntil: T0 + 1_000, lockCount: 1 });
        assert.deepEqual(await store.beginAttempt('alice', 'f1', T0 + 1, POLICY), { ok: false, reason: 'locked', retryAt: T0 + 1_000 });
        assert.deepEqual(await store.beginAttempt('alice', 'f1', T0 + 1_000, POLICY), { ok: true });
      });

      it('a success never clears an active lock; otherwise it resets count and history', async () => {
        assert.equal((await store.beginAttempt('alice', 'f1', T0, POLICY)).ok, true); // the right answer, checked slowly
        for (let i = 0; i < 2; i++) assert.equal((await store.beginAttempt('alice', 'f1', T0, POLICY)).ok, true);
        await store.settleAttempt('alice', 'f1', T0, POLICY, 'failure');
        await store.settleAttempt('alice', 'f1', T0, POLICY, 'failure');
        // A lock set by another path meanwhile (a stale reservation): the success must leave it.
        await store.recordFailure('alice', 'f1', T0, POLICY);
        const locked = { failures: 0, lockedUntil: T0 + 1_000, lockCount: 1 };
        assert.deepEqual(await store.getFailureState('alice', 'f1'), locked);
        assert.deepEqual(await store.settleAttempt('alice', 'f1', T0 + 10, POLICY, 'success'), locked);
        assert.deepEqual(await store.getFailureState('alice', 'f1'), locked);
        // After the lock: a success forgets everything.
        assert.equal((await store.beginAttempt('alice', 'f1', T0 + 2_000, POLICY)).ok, true);
        assert.deepEqual(await store.settleAttempt('alice', 'f1', T0 + 2_000, POLICY, 'success'), { failures: 0, lockedUntil: 0, lockCount: 0 });
      });

      it('release frees a reservation without counting; a stale reservation stops counting after 30 s', async () => {
        for (let i = 0; i < 3; i++) assert.equal((await store.beginAttempt('alice', 'f1', T0, POLICY)).ok, true);
        assert.equal((await store.beginAttempt('alice', 'f1', T0, POLICY)).ok, false);
        assert.deepEqual(await store.settleAttempt('alice', 'f1', T0, POLICY, 'release'), { failures: 0, lockedUntil: 0, lockCount: 0 });
        assert.equal((await store.beginAttempt('alice', 'f1', T0, POLICY)).ok, true);
        // Nobody settles (a crashed process): the hold lapses, answers are checked again.
        assert.equal((await store.beginAttempt('alice', 'f1', T0 + 29_999, POLICY)).ok, false);
        assert.equal((await store.beginAttempt('alice', 'f1', T0 + 30_000, POLICY)).ok, true);
        assert.equal((await store.getFailureState('bob', 'f1')).failures, 0);
      });

      it('loses no failure under 100 concurrent calls', async () => {
        const policy = { maxFailures: 1_000, baseLockMs: 1_000 };
        await Promise.all(Array.from({ length: 100 }, () => store.recordFailure('alice', 'f1', T0, policy)));
        assert.equal((await store.getFailureState('alice', 'f1')).failures, 100);
      });
    });

    describe('recovery codes', () => {
      it('counts, consumes each code once, and scopes codes to their user', async () => {
        await store.replaceRecoveryCodes('alice', ['h1', 'h2', 'h3']);
        await store.replaceRecoveryCodes('bob', ['h1']);
        assert.equal(await store.countRecoveryCodes('alice'), 3);
        assert.equal(await store.consumeRecoveryCode('alice', 'h1', T0), true);
        assert.equal(await store.consumeRecoveryCode('alice', 'h1', T0), false);
        assert.equal(await store.consumeRecoveryCode('mallory', 'h2', T0), false);
        assert.equal(await store.consumeRecoveryCode('alice', 'unknown', T0), false);
        assert.equal(await store.countRecoveryCodes('alice'), 2);
        assert.equal(await store.countRecoveryCodes('bob'), 1, 'same hash for another user is separate');
        assert.equal(await store.countRecoveryCodes('nobody'), 0);
      });

      it('replace invalidates the whole old set', async () => {
        await store.replaceRecoveryCodes('alice', ['old1', 'old2']);
        await store.consumeRecoveryCode('alice', 'old1', T0);
        await store.replaceRecoveryCodes('alice', ['new1', 'new2', 'new3']);
        assert.equal(await store.countRecoveryCodes('alice'), 3);
        assert.equal(await store.consumeRecoveryCode('alice', 'old2', T0), false);
        assert.equal(await store.consumeRecoveryCode('alice', 'new2', T0), true);
        await store.replaceRecoveryCodes('alice', []);
        assert.equal(await store.countRecoveryCodes('alice'), 0);
      });

      it('100 concurrent consumes of one code: exactly one wins', async () => {
        await store.replaceRecoveryCodes('alice', ['h1', 'h2']);
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) => store.consumeRecoveryCode('alice', 'h1', T0 + i)));
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal(await store.countRecoveryCodes('alice'), 1);
      });

      it('deleteRecoveryCodes removes only that user\'s codes', async () => {
        await store.replaceRecoveryCodes('alice', ['h1', 'h2']);
        await store.replaceRecoveryCodes('bob', ['h9']);
        await store.deleteRecoveryCodes('alice');
        assert.equal(await store.countRecoveryCodes('alice'), 0);
        assert.equal(await store.consumeRecoveryCode('alice', 'h1', T0), false);
        assert.equal(await store.countRecoveryCodes('bob'), 1);
      });
    });

    describe('challenges', () => {
      it('inserts and gets, with and without the optional reason', async () => {
        const noReason = challenge({ id: 'c2' });
        delete noReason.reason;
        await store.insertChallenge(challenge());
        await store.insertChallenge(noReason);
        assert.deepEqual(await store.getChallenge('c1'), challenge());
        assert.deepEqual(await store.getChallenge('c2'), noReason);
        assert.equal(await store.getChallenge('missing'), null);
      });

      it('deletes once; 100 concurrent deletes have exactly one winner', async () => {
        await store.insertChallenge(challenge());
        assert.equal(await store.deleteChallenge('c1'), true);
        assert.equal(await store.deleteChallenge('c1'), false);
        assert.equal(await store.getChallenge('c1'), null);
        await store.insertChallenge(challenge({ id: 'c2' }));
        const results = await Promise.all(Array.from({ length: 100 }, () => store.deleteChallenge('c2')));
        assert.equal(results.filter(Boolean).length, 1);
      });

      it('keeps a bound transaction (details in order, binding) through an update', async () => {
        const details = { amount: '€1.234,00', to: 'מר כהן', 'reference 1': 'a "quoted" \\ value 🙂' };
        const bound = challenge({ id: 'b1', details, binding: 'x'.repeat(43) });
        await store.insertChallenge(bound);
        const got = await store.getChallenge('b1');
        assert.deepEqual(got, bound);
        assert.deepEqual(Object.keys(got!.details!), Object.keys(details), 'labels keep their display order');
        assert.equal(await store.updateChallenge({ ...bound, state: '{"n":1}' }, undefined), true);
        assert.deepEqual(await store.getChallenge('b1'), { ...bound, state: '{"n":1}' });
        // An update never rebinds the challenge to another transaction.
        assert.equal(await store.updateChallenge({ ...bound, state: '{"n":2}', details: { amount: '$9' }, binding: 'y'.repeat(43) }, '{"n":1}'), true);
        assert.deepEqual(await store.getChallenge('b1'), { ...bound, state: '{"n":2}' });
      });

      it('updateChallenge is a compare-and-set on state: 100 racing updates, exactly one winner', async () => {
        await store.insertChallenge(challenge());
        const next = (n: number) => challenge({ stepGuid: `g${n}`, factorId: `f${n}`, state: JSON.stringify({ n }) });
        const results = await Promise.all(Array.from({ length: 100 }, (_, n) => store.updateChallenge(next(n), undefined)));
        assert.equal(results.filter(Boolean).length, 1);
        const winner = results.indexOf(true);
        assert.deepEqual(await store.getChallenge('c1'), next(winner));
        // A stale expectation changes nothing; the current one does; the expiry never moves.
        assert.equal(await store.updateChallenge(challenge({ state: 'x' }), undefined), false);
        assert.equal(await store.updateChallenge(challenge({ state: 'x', expiresAt: T0 + 1 }), JSON.stringify({ n: winner })), true);
        assert.deepEqual(await store.getChallenge('c1'), challenge({ state: 'x' }));
        assert.equal(await store.updateChallenge(challenge({ id: 'missing' }), undefined), false);
        assert.equal(await store.getChallenge('missing'), null);
      });

      it('deleteExpiredChallenges removes those expired at or before now', async () => {
        await store.insertChallenge(challenge({ id: 'past', expiresAt: T0 - 1 }));
        await store.insertChallenge(challenge({ id: 'edge', expiresAt: T0 }));
        await store.insertChallenge(challenge({ id: 'live', expiresAt: T0 + 1 }));
        assert.equal(await store.deleteExpiredChallenges(T0), 2);
        assert.equal(await store.getChallenge('past'), null);
        assert.equal(await store.getChallenge('edge'), null);
        assert.deepEqual(await store.getChallenge('live'), challenge({ id: 'live', expiresAt: T0 + 1 }));
        assert.equal(await store.deleteExpiredChallenges(T0), 0);
      });

      it('returns copies', async () => {
        await store.insertChallenge(challenge());
        const got = (await store.getChallenge('c1'))!;
        got.sub = 'mallory';
        assert.deepEqual(await store.getChallenge('c1'), challenge());
      });
    });

    describe('freshness', () => {
      const fresh = (over: Partial<FreshnessRecord> = {}): FreshnessRecord => ({
        resource: 'payments', action: 'transfer', authTime: T0 / 1000, acr: 'mfa', amr: ['otp'], ...over,
      });

      it('lists a session\'s unexpired records, replacing per (resource, action)', async () => {
        await store.putFreshness('alice', 's1', fresh(), T0 + 900_000);
        await store.putFreshness('alice', 's1', fresh({ authTime: T0 / 1000 + 5 }), T0 + 905_000);
        await store.putFreshness('alice', 's1', fresh({ resource: 'account', action: 'delete' }), T0 + 1_000);
        // Order is not part of the contract (callers pick the newest), so compare sorted.
        const byResource = (list: FreshnessRecord[]) => [...list].sort((a, b) => a.resource.localeCompare(b.resource));
        assert.deepEqual(byResource(await store.listFreshness('alice', 's1', T0)), [
          fresh({ resource: 'account', action: 'delete' }),
          fresh({ authTime: T0 / 1000 + 5 }),
        ]);
        // Expired at `now` (expiresAt <= now) is gone.
        assert.deepEqual(await store.listFreshness('alice', 's1', T0 + 1_000), [fresh({ authTime: T0 / 1000 + 5 })]);
      });

      it('scopes records to (sub, session)', async () => {
        await store.putFreshness('alice', 's1', fresh(), T0 + 900_000);
        assert.deepEqual(await store.listFreshness('alice', 's2', T0), []);
        assert.deepEqual(await store.listFreshness('bob', 's1', T0), []);
      });

      it('clears one session, or all of a user\'s sessions, and no one else\'s', async () => {
        await store.putFreshness('alice', 's1', fresh(), T0 + 900_000);
        await store.putFreshness('alice', 's2', fresh(), T0 + 900_000);
        await store.putFreshness('bob', 's1', fresh(), T0 + 900_000);
        await store.clearFreshness('alice', 's1');
        assert.deepEqual(await store.listFreshness('alice', 's1', T0), []);
        assert.equal((await store.listFreshness('alice', 's2', T0)).length, 1);
        await store.clearFreshness('alice');
        assert.deepEqual(await store.listFreshness('alice', 's2', T0), []);
        assert.equal((await store.listFreshness('bob', 's1', T0)).length, 1);
      });

      it('returns copies', async () => {
        await store.putFreshness('alice', 's1', fresh(), T0 + 900_000);
        const [got] = await store.listFreshness('alice', 's1', T0);
        got.amr.push('kba');
        assert.deepEqual(await store.listFreshness('alice', 's1', T0), [fresh()]);
      });
    });

    describe('session revocation', () => {
      it('remembers the latest revocation per (user, session) until it expires', async () => {
        assert.equal(await store.sessionRevokedAt('alice', 's1', T0), 0);
        await store.revokeSession('alice', 's1', T0 + 5, T0 + 600_000);
        await store.revokeSession('alice', 's1', T0 + 1, T0 + 600_000); // an older one never moves it back
        assert.equal(await store.sessionRevokedAt('alice', 's1', T0 + 10), T0 + 5);
        assert.equal(await store.sessionRevokedAt('alice', 's2', T0 + 10), 0);
        assert.equal(await store.sessionRevokedAt('bob', 's1', T0 + 10), 0);
      });
    });

    describe('rate limits', () => {
      it('counts hits per key and fixed window, atomically', async () => {
        const W = 60_000;
        const start = Math.floor(T0 / W) * W;
        assert.deepEqual(await store.hitRateLimit('ip:1', W, start + 5), { count: 1, resetAt: start + W });
        assert.deepEqual(await store.hitRateLimit('ip:1', W, start + W - 1), { count: 2, resetAt: start + W });
        assert.deepEqual(await store.hitRateLimit('ip:2', W, start + 5), { count: 1, resetAt: start + W });
        // The next window starts from zero.
        assert.deepEqual(await store.hitRateLimit('ip:1', W, start + W), { count: 1, resetAt: start + 2 * W });
        const counts = await Promise.all(Array.from({ length: 50 }, () => store.hitRateLimit('burst', W, start)));
        assert.deepEqual(counts.map((c) => c.count).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
      });
    });

    describe('one-time tokens', () => {
      it('accepts a token id once, atomically, and forgets it after it expired', async () => {
        assert.equal(await store.useTokenOnce('jti-1', T0 + 300_000, T0), true);
        assert.equal(await store.useTokenOnce('jti-1', T0 + 300_000, T0 + 1), false);
        assert.equal(await store.useTokenOnce('jti-2', T0 + 300_000, T0), true);
        const results = await Promise.all(Array.from({ length: 50 }, () => store.useTokenOnce('burst', T0 + 300_000, T0)));
        assert.equal(results.filter(Boolean).length, 1);
      });

      it('tells whether a token id was used, without using it', async () => {
        assert.equal(await store.isTokenUsed('jti-3', T0), false);
        assert.equal(await store.isTokenUsed('jti-3', T0), false, 'asking does not use it');
        assert.equal(await store.useTokenOnce('jti-3', T0 + 300_000, T0), true);
        assert.equal(await store.isTokenUsed('jti-3', T0 + 1), true);
        assert.equal(await store.isTokenUsed('jti-4', T0 + 1), false);
      });
    });

    describe('signing keys', () => {
      it('the first key wins for every later caller', async () => {
        assert.deepEqual(await store.listSigningKeys(), []);
        const first = signingKey();
        // The loser is even "older", so a store that picks by createdAt among all candidates fails.
        const second = signingKey({ kid: 'k2', publicJwk: '{"kty":"OKP"}', createdAt: T0 - 1_000 });
        assert.deepEqual(await store.getOrInsertSigningKey(first), first);
        assert.deepEqual(await store.getOrInsertSigningKey(second), first);
        assert.deepEqual(await store.listSigningKeys(), [first]);
      });

      it('concurrent callers with different candidates all get the same record', async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.getOrInsertSigningKey(signingKey({ kid: `k${i}`, createdAt: T0 + i }))));
        for (const r of results) assert.deepEqual(r, results[0]);
        assert.deepEqual(await store.listSigningKeys(), [results[0]]);
      });
    });

    describe('signing key rotation', () => {
      it('inserts later keys beside the first, lists all oldest first, and refuses a duplicate kid', async () => {
        const first = await store.getOrInsertSigningKey(signingKey());
        const next = signingKey({ kid: 'k-next', createdAt: T0 + 10, activateAt: T0 + 300_000 });
        await store.insertSigningKey(next);
        assert.deepEqual(await store.listSigningKeys(), [first, next]);
        await assert.rejects(store.insertSigningKey(signingKey({ kid: 'k-next', createdAt: T0 + 20 })));
        // getOrInsert still answers the first key: rotation never replaces it as "the first".
        assert.deepEqual(await store.getOrInsertSigningKey(signingKey({ kid: 'k-other' })), first);
      });

      it('retires a key, keeps the earlier retirement, and answers false for an unknown kid', async () => {
        const first = await store.getOrInsertSigningKey(signingKey());
        const next = signingKey({ kid: 'k-next', createdAt: T0 + 10 });
        await store.insertSigningKey(next);
        assert.equal(await store.retireSigningKey(first.kid, T0 + 600_000), true);
        assert.equal(await store.retireSigningKey(first.kid, T0 + 900_000), true, 'known kid');
        assert.equal(await store.retireSigningKey(next.kid, T0 + 700_000), true);
        assert.equal(await store.retireSigningKey(next.kid, T0 + 650_000), true);
        assert.equal(await store.retireSigningKey('nope', T0), false);
        const keys = await store.listSigningKeys();
        assert.deepEqual(keys.map((k) => [k.kid, k.retireAt]), [[first.kid, T0 + 600_000], ['k-next', T0 + 650_000]]);
        assert.equal(keys.some((k) => k.kid === 'nope'), false);
      });
    });

    describe('audit events', () => {
      it('lists the user\'s events newest first, limited', async () => {
        await store.appendAuditEvent(auditEvent({ id: 'e1', at: '2026-01-01T00:00:01.000Z' }));
        await store.appendAuditEvent(auditEvent({ id: 'e3', at: '2026-01-01T00:00:03.000Z' }));
        await store.appendAuditEvent(auditEvent({ id: 'e2', at: '2026-01-01T00:00:02.000Z' }));
        await store.appendAuditEvent(auditEvent({ id: 'b1', sub: 'bob', at: '2026-01-01T00:00:09.000Z' }));
        const all = await store.listAuditEvents('alice', 10);
        assert.deepEqual(all.map((e) => e.id), ['e3', 'e2', 'e1']);
        assert.deepEqual(all[0], auditEvent({ id: 'e3', at: '2026-01-01T00:00:03.000Z' }));
        assert.deepEqual((await store.listAuditEvents('alice', 2)).map((e) => e.id), ['e3', 'e2']);
        assert.deepEqual(await store.listAuditEvents('alice', 0), []);
        assert.deepEqual((await store.listAuditEvents('bob', 10)).map((e) => e.id), ['b1']);
        assert.deepEqual(await store.listAuditEvents('nobody', 10), []);
      });

      it('breaks ties on `at` by append order, later first', async () => {
        const at = '2026-01-01T00:00:00.000Z';
        for (const id of ['a', 'b', 'c']) await store.appendAuditEvent(auditEvent({ id, at }));
        assert.deepEqual((await store.listAuditEvents('alice', 10)).map((e) => e.id), ['c', 'b', 'a']);
      });

      it('round-trips an event without optional fields and returns deep copies', async () => {
        const minimal: AuditEvent = {
          id: 'm1', at: '2026-01-01T00:00:00.000Z', type: 'factor.delete', sub: 'alice', severity: 'warning', status: 'failure',
        };
        await store.appendAuditEvent(minimal);
        await store.appendAuditEvent(auditEvent({ id: 'm2', at: '2026-01-01T00:00:01.000Z' }));
        const [full, min] = await store.listAuditEvents('alice', 10);
        assert.deepEqual(min, minimal);
        (full!.metadata!['nested'] as { ok: boolean }).ok = false;
        full!.metadata!['extra'] = 1;
        const again = await store.listAuditEvents('alice', 1);
        assert.deepEqual(again[0]!.metadata, { attempt: 1, nested: { ok: true } });
      });
    });

    it('close resolves', async () => {
      await store.close();
      // afterEach closes again: close must be safe to call twice.
    });
  });
}
