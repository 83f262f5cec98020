// Where a page's time to open goes, from a Chromium trace: the main thread's time between
// `bundle-start` and the moment the input had focus, split into script, compilation, style
// recalculation, layout, other tasks and idle time (waiting for the network). bench:open prints
// it with BENCH_OPEN_TRACE=<samples> (and once per page in --smoke, so the breakdown cannot rot
// unnoticed); docs/performance.md "Time to open" quotes it. Tracing slows the page, so compare categories between pages of one trace run,
// never with the untraced medians.

/** Trace categories: the main thread's tasks, V8's compile events and the page's marks. */
export const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'disabled-by-default-v8.compile', 'v8.execute', 'blink.user_timing'];

export const BREAKDOWN = ['script', 'compile', 'style', 'layout', 'other', 'idle'];

/** The category an event's own time (its duration less its children's) counts under. */
function categoryOf(name) {
  if (name === 'Layout') return 'layout';
  if (name === 'UpdateLayoutTree' || name === 'RecalculateStyles') return 'style';
  if (/^V8\.(Compile|ParseFunction|ParseProgram|StreamingCompile)|^v8\.compile/.test(name)) return 'compile';
  if (/^(EvaluateScript|FunctionCall|RunMicrotasks|TimerFire|EventDispatch|FireAnimationFrame|v8\.|V8\.)/.test(name)) return 'script';
  return 'other';
}

/**
 * `events`: the trace's `traceEvents`; `focusMs`: the page's own time from `bundle-start` to
 * focus. Returns ms per category (own time of complete events on the mark's thread, clipped to
 * the window, nested events subtracted from their parents; `idle` is what no event covers), the
 * window's length as `total`, and the "other" time by event name.
 */
export function openBreakdown(events, focusMs) {
  const mark = events.find((e) => e.name === 'bundle-start');
  if (!mark) throw new Error('the trace has no bundle-start mark');
  const t0 = mark.ts;
  const t1 = t0 + focusMs * 1000;
  // Complete events of the main thread, clipped to the window: clipping keeps their nesting.
  const spans = events
    .filter((e) => e.ph === 'X' && e.tid === mark.tid && e.pid === mark.pid && e.ts < t1 && e.ts + (e.dur ?? 0) > t0)
    .map((e) => ({ name: e.name, start: Math.max(e.ts, t0), end: Math.min(e.ts + (e.dur ?? 0), t1) }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const totals = Object.fromEntries(BREAKDOWN.map((c) => [c, 0]));
  const open = [];
  const own = new Map();
  for (const s of spans) {
    while (open.length && open[open.length - 1].end <= s.start) open.pop();
    const parent = open[open.length - 1];
    if (parent) own.set(parent, own.get(parent) - (s.end - s.start));
    own.set(s, s.end - s.start);
    open.push(s);
  }
  const otherByName = {};
  for (const [s, us] of own) {
    const c = categoryOf(s.name);
    totals[c] += Math.max(0, us) / 1000;
    if (c === 'other') otherByName[s.name] = (otherByName[s.name] ?? 0) + Math.max(0, us) / 1000;
  }
  // What no event covers: the main thread waited (for the network, a timer, a frame).
  const covered = BREAKDOWN.reduce((sum, c) => sum + totals[c], 0);
  totals.idle = Math.max(0, focusMs - covered);
  return { ...totals, total: focusMs, otherByName };
}
