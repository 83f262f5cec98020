// npm run bench: every benchmark in sequence, each in its own Node process (so one's heap, JIT
// state and open handles do not colour the next), then the time each took and the total.
// Writes bench/results/run-all.json. A failing benchmark does not stop the others; the exit code
// says whether all succeeded.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DIR, machineInfo, printTable, writeResult } from './lib/common.mjs';

const ALL = ['size', 'totp', 'server', 'growth', 'open'];
const only = process.argv.slice(2);
const names = only.length ? ALL.filter((n) => only.includes(n)) : ALL;

const started = Date.now();
const runs = [];
for (const name of names) {
  console.log(`\n━━━ bench:${name} ━━━`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(BENCH_DIR, `${name}.bench.mjs`)], { stdio: 'inherit' });
  runs.push({ name, seconds: Number(((Date.now() - t0) / 1000).toFixed(1)), ok: r.status === 0 });
}
const totalSeconds = Number(((Date.now() - started) / 1000).toFixed(1));

printTable('npm run bench', ['benchmark', 'seconds', 'result'], [
  ...runs.map((r) => [`bench:${r.name}`, r.seconds.toFixed(1), r.ok ? 'ok' : 'FAILED']),
  ['total', totalSeconds.toFixed(1), runs.every((r) => r.ok) ? 'ok' : 'FAILED'],
]);
console.log(`\nnpm run bench: total ${Math.floor(totalSeconds / 60)} min ${Math.round(totalSeconds % 60)} s${totalSeconds > 600 ? ' — OVER the 10-minute budget' : ''}`);
if (!only.length) writeResult('run-all', { command: 'npm run bench', machine: machineInfo(), totalSeconds, runs });
process.exitCode = runs.every((r) => r.ok) ? 0 : 1;
