/**
 * WAL checkpoints off the request path (docs/operating.md "SQLite: durability and one host").
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 WAL pages: that one
 * commit copies every page back into the database file and syncs it, ~10 ms on this machine kind
 * during which the only thread that answers requests does nothing else — the store's p99. Here
 * the store turns the automatic checkpoint off and a worker thread with its own connection
 * checkpoints instead:
 * - PASSIVE, a few times a second when something was committed: copies what no reader still
 *   needs, never blocks a writer;
 * - a RESTART, once a PASSIVE pass leaves more than `restartPages` frames in the WAL: a WAL only
 *   starts over from its beginning when a write begins with every frame copied, which a busy
 *   server never offers by itself, so without it the file would grow as long as the load lasts.
 *   The worker cannot run it: a RESTART needs the write lock, which the request thread takes
 *   back after every commit, so under load the worker would starve. It raises a flag instead,
 *   and the store runs the RESTART itself before its next write group (`takeRestart`): a pause
 *   of a few milliseconds (the frames since the PASSIVE pass, one sync) once per
 *   `restartPages` pages.
 * If the worker cannot start or dies, the store's own automatic checkpoint comes back.
 */
import { Worker } from 'node:worker_threads';

/** The worker, as source: a worker file would have to be found next to whichever build (ESM, CJS, tsx) loaded us. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const commits = new Int32Array(workerData.commits);
parentPort.postMessage({ ready: true });
let seen = 0;
// Catching up before a RESTART (below): at most 8 passes, until one copies fewer than 64 frames,
// and never once the WAL is a quarter past the restart point.
const CATCH_UP_PASSES = 8;
const CATCH_UP_FRAMES = 64;
const CATCH_UP_LOG = workerData.restartPages * 1.25;
const passive = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
const pass = () => {
  const now = Atomics.load(commits, 0);
  if (now === seen) return;
  seen = now;
  let done = passive();
  if (done.log <= workerData.restartPages) return;
  // The store's RESTART copies, on the thread that answers requests, every frame no PASSIVE pass
  // has: catch up first, until a pass finds little new, so that is only the last moment's frames.
  // Not for long: a writer faster than the passes would keep the WAL growing meanwhile, so the
  // catching up ends once the WAL is a quarter past the restart point.
  for (let i = 0; i < CATCH_UP_PASSES && done.log <= CATCH_UP_LOG; i++) {
    const before = done.checkpointed;
    done = passive();
    if (done.checkpointed - before < CATCH_UP_FRAMES) break;
  }
  Atomics.store(commits, 1, 1); // the store restarts it (takeRestart)
};
const timer = setInterval(() => {
  try { pass(); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); try { db.close(); } finally { process.exit(0); } });
`;

export interface Checkpointer {
  /** Called after each commit (one atomic add; the worker looks a few times a second). */
  noteCommit(): void;
  /** True once per time the worker asked for a RESTART, which the store then runs before its next write. */
  takeRestart(): boolean;
  /** Resolves once the worker has its connection open (tests wait for it; the store need not). */
  readonly ready: Promise<void>;
  /** Stops the worker and closes its connection. */
  close(): Promise<void>;
}

export function startCheckpointer(opts: {
  path: string;
  /** The resolved path of better-sqlite3, the driver the store itself loaded. */
  driver: string;
  /** Called once if the worker fails: the store turns its automatic checkpoint back on. */
  onFailure: (reason: string) => void;
  intervalMs?: number;
  restartPages?: number;
}): Checkpointer {
  // [0]: commits so far (store → worker); [1]: 1 when the WAL should restart (worker → store).
  const commits = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path: opts.path, driver: opts.driver, commits: commits.buffer, intervalMs: opts.intervalMs ?? 200, restartPages: opts.restartPages ?? 16_384 },
  });
  worker.unref(); // never what keeps a process alive
  let failed = false;
  let closing = false;
  const fail = (reason: string) => {
    if (failed || closing) return;
    failed = true;
    opts.onFailure(reason);
    void worker.terminate();
  };
  let markReady: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  worker.on('message', (msg: { error?: string; ready?: true }) => (msg.ready ? markReady() : msg.error && fail(msg.error)));
  worker.on('error', (err) => fail(err.message));
  worker.on('exit', (code) => fail(`worker exited (${code})`));
  return {
    ready,
    takeRestart: () => Atomics.exchange(commits, 1, 0) === 1,
    noteCommit: () => {
      Atomics.add(commits, 0, 1);
    },
    async close() {
      if (closing || failed) return;
      closing = true;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.ref(); // an unreferenced worker's exit would not keep this wait alive
      worker.postMessage('close');
      await exited;
    },
  };
}
