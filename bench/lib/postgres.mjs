// Postgres for the server and growth benchmarks: PG_URL (an admin URL: the benchmark creates and
// drops its own databases there), else a private cluster this process starts on 127.0.0.1 (initdb
// in a temp folder; as root, run as the postgres user) and stops at the end.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './common.mjs';

function postgresBin() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  try {
    const v = readdirSync('/usr/lib/postgresql').filter((x) => existsSync(`/usr/lib/postgresql/${x}/bin/pg_ctl`)).sort((a, b) => b - a)[0];
    return v ? `/usr/lib/postgresql/${v}/bin` : undefined;
  } catch {
    return undefined;
  }
}

/** Runs SQL on `url` with a short-lived client. */
export async function pgQuery(url, sql, params = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** A fresh database on the admin URL's server: `{ url, drop() }`. */
export async function createDatabase(adminUrl, label) {
  const name = `mfa_bench_${label}_${process.pid}_${Date.now().toString(36)}`;
  await pgQuery(adminUrl, `CREATE DATABASE "${name}"`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { url: u.href, drop: () => pgQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => {}) };
}

/** `{ available: true, adminUrl, version, owned, stop() }` or `{ available: false, reason }`. */
export async function startPostgres() {
  const version = async (url) => (await pgQuery(url, 'SHOW server_version'))[0].server_version.split(' ')[0];
  if (process.env.PG_URL) return { available: true, adminUrl: process.env.PG_URL, version: await version(process.env.PG_URL), owned: false, stop: async () => {} };
  const bin = postgresBin();
  if (!bin) return { available: false, reason: 'no PostgreSQL server binaries (apt-get install postgresql) and no PG_URL' };
  const root = mkdtempSync(join(tmpdir(), 'mfa-bench-pg-'));
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd, args) => (asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'ignore' }) : execFileSync(cmd, args, { stdio: 'ignore' }));
  if (asRoot) execFileSync('install', ['-d', '-o', 'postgres', '-m', '700', data]);
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(data, 'log'), '-w', '-o', `-p ${port} -k ${data} -c listen_addresses=127.0.0.1 -c max_connections=200`, 'start']);
  const stop = async () => {
    try { run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']); } catch { /* already stopped */ }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', () => { if (existsSync(root)) void stop(); });
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130)); // runs the 'exit' stop
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return { available: true, adminUrl, version: await version(adminUrl), owned: true, stop };
}
