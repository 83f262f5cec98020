/**
 * bench:open's breakdown of where the time to open went (bench/lib/open-trace.mjs), on a trace
 * written by hand: a wrong split would send the next engineer after the wrong cost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs module of the benchmarks, without types
import { openBreakdown } from '../../bench/lib/open-trace.mjs';

const MAIN = { pid: 1, tid: 7 };
const mark = { ...MAIN, ph: 'R', name: 'bundle-start', ts: 1_000_000 };
/** A complete event on the main thread, `at` and `ms` relative to bundle-start. */
const span = (name: string, at: number, ms: number, where = MAIN) => ({ ...where, ph: 'X', name, ts: mark.ts + at * 1000, dur: ms * 1000 });

test('each event counts its own time only: what its children took goes to their categories', () => {
  const b = openBreakdown([
    mark,
    span('RunTask', 0, 10),
    span('EvaluateScript', 0, 9),
    span('V8.CompileCode', 1, 2),
    span('UpdateLayoutTree', 4, 1.5),
    span('Layout', 6, 2.5),
  ], 10);
  assert.equal(b.compile, 2);
  assert.equal(b.style, 1.5);
  assert.equal(b.layout, 2.5);
  assert.equal(b.script, 3); // 9 less the 6 ms of its children
  assert.equal(b.other, 1); // the task's own millisecond
  assert.equal(b.idle, 0);
  assert.equal(b.total, 10);
  assert.deepEqual(b.otherByName, { RunTask: 1 });
});

test('only the window from bundle-start to focus counts, on the mark\'s thread; the rest of the window is idle', () => {
  const b = openBreakdown([
    span('EvaluateScript', -5, 7), // began before the mark: 2 ms inside
    span('Layout', 3, 1, { pid: 1, tid: 8 }), // another thread
    span('Layout', 9, 4), // runs past focus at 10: 1 ms inside
    span('Layout', 12, 1), // after focus
    mark,
  ], 10);
  assert.equal(b.script, 2);
  assert.equal(b.layout, 1);
  assert.equal(b.idle, 7);
});

test('a trace without the mark is refused rather than split from an arbitrary start', () => {
  assert.throws(() => openBreakdown([span('Layout', 0, 1)], 5), /bundle-start/);
});
