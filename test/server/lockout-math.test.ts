import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LOCKOUT } from '../../src/server/config.js';
import { nextFailureState } from '../../src/server/stores/failure-math.js';

const MIN = 60_000;

/** Fails `n` times in a row at `now`, starting from `state`. */
function fail(state: { failures: number; lockedUntil: number; lockCount: number }, now: number, n: number) {
  for (let i = 0; i < n; i++) state = nextFailureState(state, now, DEFAULT_LOCKOUT);
  return state;
}

test('locks for 15, 30, 60 … minutes on repeated lockouts, never longer than 24 hours', () => {
  let state = { failures: 0, lockedUntil: 0, lockCount: 0 };
  let now = 0;
  const lengths: number[] = [];
  for (let round = 0; round < 10; round++) {
    state = fail(state, now, 10);
    lengths.push((state.lockedUntil - now) / MIN);
    now = state.lockedUntil; // the attacker waits the lock out, then tries again
  }
  assert.deepEqual(lengths, [15, 30, 60, 120, 240, 480, 960, 1440, 1440, 1440]);
});

test('nine failures do not lock; the tenth does', () => {
  const nine = fail({ failures: 0, lockedUntil: 0, lockCount: 0 }, 0, 9);
  assert.equal(nine.lockedUntil, 0);
  assert.equal(fail(nine, 0, 1).lockedUntil, 15 * MIN);
});
