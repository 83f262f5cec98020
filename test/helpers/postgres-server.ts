/**
 * A real PostgreSQL for node tests: `PG_URL` when CI started one (.ci/run), otherwise a private
 * cluster (initdb in a temp folder, a free loopback port) started here and stopped when the test
 * process exits. Tests create and drop their own databases (`createDatabase`).
 *
 * Nothing is skipped: without the Postgres server binaries (Debian: `apt-get install postgresql`)
 * this throws one clear error and the tests that need Postgres fail.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './redis-server.js';

/** The folder of initdb/pg_ctl: PG_BIN, else the newest /usr/lib/postgresql/<v>/bin, else PATH. */
export function postgresBin(): string {
  const candidates = [process.env.PG_BIN ?? ''];
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch { /* not Debian's layout */ }
  for (const dir of candidates) if (dir && existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb'))) return dir;
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return join(which.stdout.trim(), '..');
  throw new Error('Postgres tests need the PostgreSQL server binaries (initdb, pg_ctl): `apt-get install -y postgresql`, or set PG_URL to a server (or PG_BIN to their folder).');
}

/** initdb refuses root: run the server binaries as the `postgres` user when we are root. */
const asRoot = process.getuid?.() === 0;
function runPg(bin: string, args: string[]): void {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface Cluster {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<db>` */
  url(db?: string): string;
  /** `pg_ctl stop` (`immediate` is a crash: no shutdown checkpoint, clients cut off). */
  stop(mode?: 'fast' | 'immediate'): void;
  /** Starts it again on the same port and data folder; returns once it accepts connections. */
  start(): void;
  /** Stops it and removes its data folder. */
  destroy(): void;
}

/** A private cluster of its own: for tests that stop and start Postgres (never the shared one). */
export async function startCluster(): Promise<Cluster> {
  const bin = postgresBin();
  const root = mkdtempSync(join(tmpdir(), 'mfa-pg-'));
  chmodSync(root, 0o755); // the postgres user must reach the data folder inside
  const data = join(root, 'data');
  if (asRoot) execFileSync('install', ['-d', '-o', 'postgres', '-m', '700', data]);
  runPg(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  let running = false;
  const cluster: Cluster = {
    port,
    url: (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`,
    start() {
      runPg(join(bin, 'pg_ctl'), ['-D', data, '-o', `-p ${port} -k ${data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`,
        '-l', join(data, 'log'), '-w', 'start']);
      running = true;
    },
    stop(mode = 'fast') {
      if (!running) return;
      runPg(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
      running = false;
    },
    destroy() {
      try { cluster.stop('immediate'); } catch { /* already gone */ }
      rmSync(root, { recursive: true, force: true });
    },
  };
  cluster.start();
  // Even if the run ends without its `after` hooks.
  process.once('exit', () => cluster.destroy());
  return cluster;
}

let shared: Promise<string> | undefined;

/** The admin URL of the Postgres every test shares (PG_URL, or a private cluster started once). */
export function pgAdminUrl(): Promise<string> {
  shared ??= (async () => process.env.PG_URL || (await startCluster()).url())();
  return shared;
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Drops it, cutting off whatever is still connected. */
  drop(): Promise<void>;
}

async function admin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A new empty database on `adminUrl`'s server (default: the shared one). Names are random and safe to quote. */
export async function createDatabase(label: string, adminUrl?: string): Promise<TestDatabase> {
  const base = adminUrl ?? (await pgAdminUrl());
  const name = `mfa_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(base, (c) => c.query(`CREATE DATABASE "${name}"`));
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: () => admin(base, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

/**
 * A new empty schema in `db`, and a URL whose connections use it (`options=-c search_path=…`):
 * far cheaper than a database per test when a suite needs a fresh empty store for each test.
 */
export async function createSchema(db: TestDatabase, label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `s_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${Math.random().toString(36).slice(2, 10)}`;
  await admin(db.url, (c) => c.query(`CREATE SCHEMA "${name}"`));
  const u = new URL(db.url);
  u.searchParams.set('options', `-c search_path=${name}`);
  return { url: u.toString(), drop: () => admin(db.url, (c) => c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)).then(() => {}) };
}
