// npm run bench: every benchmark in sequence, each in its own Node process (so one's heap, JIT
// state and open handles do not colour the next), then the time each took and the total.
// Writes bench/results/run-all.json. A failing benchmark does not stop the others; the exit code
// says whether all succeeded.
//
// `--smoke` (npm run bench:smoke): each benchmark on tiny sizes (passed through to each), a check
// that all of them still run end to end; nothing is written to bench/results/. Benchmark names
// as arguments run only those.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DIR, SMOKE, machineInfo, printTable, writeResult } from './lib/common.mjs';

const ALL = ['size', 'totp', 'server', 'growth', 'open'];
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const unknown = only.filter((n) => !ALL.includes(n));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')} (known: ${ALL.join(', ')})`);
  process.exit(2);
}
const names = only.length ? ALL.filter((n) => only.includes(n)) : ALL;

const started = Date.now();
const runs = [];
for (const name of names) {
  console.log(`\n━━━ bench:${name} ━━━`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(BENCH_DIR, `${name}.bench.mjs`), ...(SMOKE ? ['--smoke'] : [])], { stdio: 'inherit' });
  runs.push({ name, seconds: Number(((Date.now() - t0) / 1000).toFixed(1)), ok: r.status === 0 });
}
const totalSeconds = Number(((Date.now() - started) / 1000).toFixed(1));

printTable(SMOKE ? 'npm run bench:smoke' : 'npm run bench', ['benchmark', 'seconds', 'result'], [
  ...runs.map((r) => [`bench:${r.name}`, r.seconds.toFixed(1), r.ok ? 'ok' : 'FAILED']),
  ['total', totalSeconds.toFixed(1), runs.every((r) => r.ok) ? 'ok' : 'FAILED'],
]);
// A full run takes ≈ 14 minutes on the 2-core machine kind: bench:growth alone ≈ 9, of which ≈ 7.5
// seed 100,000 users into each of four stores through the HTTP protocol (Postgres at ≈ 500
// enrollments/s). The budget flags a benchmark that became much slower, not run-to-run noise.
const BUDGET_MINUTES = 16;
console.log(`\n${SMOKE ? 'npm run bench:smoke' : 'npm run bench'}: total ${Math.floor(totalSeconds / 60)} min ${Math.round(totalSeconds % 60)} s${!SMOKE && totalSeconds > BUDGET_MINUTES * 60 ? ` — OVER the ${BUDGET_MINUTES}-minute budget` : ''}`);
if (!only.length && !SMOKE) writeResult('run-all', { command: 'npm run bench', machine: machineInfo(), totalSeconds, runs });
process.exitCode = runs.every((r) => r.ok) ? 0 : 1;
