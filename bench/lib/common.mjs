// Shared helpers of the benchmarks: paths, machine facts, statistics, tables and result files.
// Benchmarks are plain Node scripts (no test runner); each one is `node bench/<name>.bench.mjs`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(BENCH_DIR);
export const RESULTS_DIR = join(BENCH_DIR, 'results');

/**
 * `--smoke`: every benchmark on tiny sizes, in seconds — a check that it still runs end to end
 * (CI), not a measurement. Figures printed in smoke mode mean nothing; no result file is written.
 */
export const SMOKE = process.argv.includes('--smoke');

const LOAD_AT_START = os.loadavg().map((n) => Number(n.toFixed(2)));

/** Machine facts recorded with every result (absolute numbers only mean something next to them). */
export function machineInfo(extra = {}) {
  const cpus = os.cpus();
  return {
    cpuCount: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    availableParallelism: os.availableParallelism?.() ?? cpus.length,
    totalMemoryMiB: Math.round(os.totalmem() / 1048576),
    // 1, 5 and 15 minute load averages when this benchmark process started and when it wrote this.
    loadAverageAtStart: LOAD_AT_START,
    loadAverageAtEnd: os.loadavg().map((n) => Number(n.toFixed(2))),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl,
    ...extra,
  };
}

export const median = (xs) => quantile(xs, 0.5);

/** Linear-interpolated quantile of a list of numbers (q in [0, 1]). */
export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const round = (n, digits = 0) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);

/** Thousands separators for a table cell. */
export const fmt = (n, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : String(n ?? '—');

export const fmtBytes = (n) => (Number.isFinite(n) ? (Math.abs(n) >= 1024 * 1024 ? `${fmt(n / 1048576, 2)} MiB` : Math.abs(n) >= 1024 ? `${fmt(n / 1024, 1)} KiB` : `${n} B`) : "—");

/** Prints an aligned plain-text table: `rows` are arrays of cells (strings or numbers). */
export function printTable(title, header, rows) {
  const cells = [header, ...rows].map((r) => r.map((c) => (c === undefined || c === null ? '—' : String(c))));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => typeof r[i] === 'number' || /^[\d.,×%+-]+( ?[a-zA-Z/%×]+)?$/.test(String(r[i] ?? ''))));
  const line = (r) => r.map((c, i) => (numeric[i] && i > 0 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Writes `bench/results/<name>.json` and returns its path (in smoke mode: writes nothing, returns null). */
export function writeResult(name, data) {
  if (SMOKE) {
    console.log(`\nsmoke: bench/results/${name}.json left as it is (figures of a smoke run mean nothing)`);
    return null;
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  const body = {
    benchmark: name,
    date: new Date().toISOString(),
    command: `npm run bench:${name}`,
    ...data,
  };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  console.log(`\nwrote ${relative(ROOT, file)}`);
  return file;
}

/** Newest modification time (ms) of any file under `dir` whose name passes `keep`. */
function newestMtime(dir, keep = () => true) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, keep));
    else if (keep(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The benchmarks run the built package (`dist/`), as an app would. Builds it when a file they need
 * is missing; warns when `src/` is newer (then the figures describe the previous build), and
 * rebuilds in that case only with BENCH_BUILD=1 (someone else may be mid-edit in `src/`).
 */
export function ensureBuilt(files = ['dist/server/index.js', 'dist/mfa-elements.iife.js']) {
  let missing = files.filter((f) => !existsSync(join(ROOT, f)));
  // A build that is running right now (it starts by deleting dist/) finishes within seconds.
  for (let waited = 0; missing.length > 0 && existsSync(join(ROOT, 'dist')) && waited < 30_000; waited += 1_000) {
    spawnSync('sleep', ['1']);
    missing = files.filter((f) => !existsSync(join(ROOT, f)));
  }
  const stale = missing.length === 0 && newestMtime(join(ROOT, 'src')) > Math.min(...files.map((f) => statSync(join(ROOT, f)).mtimeMs));
  if (missing.length > 0 || (stale && process.env.BENCH_BUILD === '1')) {
    console.log(`bench: ${missing.length ? `missing ${missing.join(', ')}` : 'dist/ is older than src/'}; running npm run build`);
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  } else if (stale) {
    console.log('bench: note: src/ has changed since the last build; these figures are of dist/ as built (npm run build, or BENCH_BUILD=1, to refresh)');
  }
}

export const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` and prints how long the benchmark took; sets a non-zero exit code on failure. */
export async function main(name, fn) {
  const started = Date.now();
  try {
    await fn();
    console.log(`bench:${name}${SMOKE ? ' --smoke' : ''} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`bench:${name} failed:`, err?.stack ?? err);
    process.exitCode = 1;
  }
}

/** Forces a full GC when node runs with --expose-gc (growth benchmark); otherwise a no-op. */
export async function collectGarbage() {
  if (typeof globalThis.gc !== 'function') return;
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await sleep(10);
  }
}
