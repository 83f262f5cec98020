/**
 * Starting the service as a new user does (docs/service.md "Five minutes"): `npx mfa-elements serve`
 * in a checkout, whose first run builds dist/ through `prepare`, and `mfa-elements serve` with no
 * configuration but the session secret. Real processes: npm's own npx with a private cache, the
 * real build, the service answering over HTTP.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = 'a-session-secret-of-at-least-32-bytes!!';
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) process.kill(-p.pid!, 'SIGKILL');
});

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs a command to completion in its own process group (npx starts the command as a grandchild). */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<Run> {
  return new Promise((done) => {
    const proc = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(proc);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => process.kill(-proc.pid!, 'SIGKILL'), timeoutMs);
    proc.stdout!.on('data', (d) => (stdout += d));
    proc.stderr!.on('data', (d) => (stderr += d));
    proc.once('exit', (code) => { clearTimeout(timer); live.delete(proc); done({ code, stdout, stderr }); });
  });
}

/** Starts a long-running command that prints "service on <url>", and stops its whole process group. */
function serve(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ url: string; stop(): Promise<void> }> {
  const proc = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(proc);
  let out = '';
  const gone = new Promise<void>((r) => proc.once('exit', () => { live.delete(proc); r(); }));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => { process.kill(-proc.pid!, 'SIGKILL'); fail(new Error(`no "service on" line:\n${out}`)); }, timeoutMs);
    proc.stderr!.on('data', (d) => (out += d));
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /service on (http:\/\/\S+) /.exec(out);
      if (!m) return;
      clearTimeout(timer);
      ok({ url: m[1]!, stop: async () => { if (proc.exitCode === null) process.kill(-proc.pid!, 'SIGTERM'); await gone; } });
    });
    proc.once('exit', (code) => { clearTimeout(timer); fail(new Error(`exited (${code}) before listening:\n${out}`)); });
  });
}

async function discovery(url: string) {
  const res = await fetch(`${url}/mfa/.well-known/mfa-configuration`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json() as { issuer: string; jwks_uri: string } };
}

/** The files a fresh clone has (git ls-files, as they are in the working tree), and node_modules linked. */
function checkout(into: string): void {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree
    mkdirSync(dirname(join(into, file)), { recursive: true });
    cpSync(join(ROOT, file), join(into, file));
  }
  // `npm ci` again would cost minutes; the project's own modules are what it would install.
  symlinkSync(join(ROOT, 'node_modules'), join(into, 'node_modules'), 'dir');
}

const tmp: string[] = [];
after(() => { for (const dir of tmp) rmSync(dir, { recursive: true, force: true }); });
const tempDir = (name: string) => { const d = mkdtempSync(join(tmpdir(), name)); tmp.push(d); return d; };

describe('npx mfa-elements serve in a checkout whose first build failed', () => {
  test('the failed prepare build leaves npx working: it says how to build, and serves once built; a failed rebuild keeps dist/; edited sources are named', async () => {
    const base = tempDir('mfa-npx-');
    const repo = join(base, 'repo');
    checkout(repo);
    // npm with a private cache and home: npx's install folder (_npx/<hash>) is made by this test.
    const home = join(base, 'home');
    mkdirSync(home);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH, HOME: home, npm_config_cache: join(base, 'npm-cache'),
      npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false',
      npm_config_offline: 'true', // the checkout itself is what npx installs: nothing comes from the registry
      MFA_SESSION_SECRET: SECRET, PORT: '0',
    };
    const npx = ['--yes', 'mfa-elements', 'serve'];

    // 1. The first npx: `prepare` builds dist/, and the build fails. (tsc given no sources fails
    //    within a second; a type error fails the same way after a full type-check, ~20 s of CPU.)
    const tsconfig = join(repo, 'tsconfig.json');
    const good = readFileSync(tsconfig, 'utf8');
    const noSources = good.replace('"include": ["src/**/*.ts"]', '"include": ["src/**/*.nothing"]');
    assert.notEqual(noSources, good);
    writeFileSync(tsconfig, noSources);
    const first = await run('npx', npx, repo, env);
    assert.equal(first.code, 1, `exit code (stderr: ${first.stderr})`);
    assert.match(first.stderr, /mfa-elements: .*dist\/server\/cli\/main\.js is missing; build it first: \(cd .* && npm run build\)/);
    assert.ok(!existsSync(join(repo, 'dist')), 'no half-written dist/');
    assert.deepEqual(readdirSync(repo).filter((f) => f.startsWith('.dist-')), [], 'the failed build cleaned up its folder');

    // 2. The build is fixed and `npm run build` succeeds (its output stands in: this checkout's
    //    dist/, built by `npm test` before this file; building again here would cost ~35 s), and
    //    npx works from then on, with zero configuration but the session secret.
    writeFileSync(tsconfig, good);
    assert.ok(existsSync(join(ROOT, 'dist/server/cli/main.js')), 'dist/ is built (npm run build)');
    cpSync(join(ROOT, 'dist'), join(repo, 'dist'), { recursive: true });
    const svc = await serve('npx', npx, repo, env);
    try {
      const d = await discovery(svc.url);
      assert.equal(d.status, 200);
      assert.equal(d.body.jwks_uri, `${d.body.issuer}/mfa/jwks.json`);
    } finally {
      await svc.stop();
    }
    assert.ok(statSync(join(repo, '.data/mfa.db')).isFile(), 'SQLite database in ./.data');
    assert.equal(statSync(join(repo, '.data/mfa.key')).mode & 0o777, 0o600, 'the generated encryption key, owner-only');

    // 3. A later build that fails leaves the working dist/ in place (built aside, swapped in at the end).
    const main = join(repo, 'dist/server/cli/main.js');
    const before = statSync(main).mtimeMs;
    writeFileSync(tsconfig, noSources);
    const broken = await run('npm', ['run', 'build'], repo, env);
    assert.notEqual(broken.code, 0, 'npm run build fails loudly');
    assert.equal(statSync(main).mtimeMs, before, 'dist/ untouched');
    assert.deepEqual(readdirSync(repo).filter((f) => f.startsWith('.dist-')), []);
    const again = await run('npx', ['--yes', 'mfa-elements', '--help'], repo, env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^usage: mfa-elements <command>/);
    assert.equal(again.stderr.includes('warning'), false, again.stderr);

    // 4. A source edited after the build (npx does not build again): the command says dist/ is older.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(repo, 'src/server/service/defaults.ts'), later, later);
    const stale = await run('npx', ['--yes', 'mfa-elements', '--help'], repo, env);
    assert.equal(stale.code, 0, stale.stderr);
    assert.match(stale.stderr, /^mfa-elements: warning: dist\/ is older than src\/server\/service\/defaults\.ts; to run your changes: \(cd .* && npm run build\)$/m);
  });
});

describe('mfa-elements serve with zero configuration', () => {
  test('only MFA_SESSION_SECRET, in an empty folder: SQLite and a key file in ./.data, discovery answers', async () => {
    const bin = join(ROOT, 'bin/mfa-elements.mjs');
    assert.ok(existsSync(join(ROOT, 'dist/server/cli/main.js')), 'dist/ is built (npm run build)');
    const dir = tempDir('mfa-zero-');
    const svc = await serve(process.execPath, [bin, 'serve'], dir, { PATH: process.env.PATH, HOME: dir, MFA_SESSION_SECRET: SECRET, PORT: '0' });
    try {
      const d = await discovery(svc.url);
      assert.equal(d.status, 200);
      assert.equal(d.body.issuer, `http://localhost:${new URL(svc.url).port}`);
      const jwks = await fetch(d.body.jwks_uri.replace('localhost', '127.0.0.1'));
      assert.equal(jwks.status, 200);
      assert.equal(((await jwks.json()) as { keys: unknown[] }).keys.length, 1);
    } finally {
      await svc.stop();
    }
    assert.deepEqual(readdirSync(dir), ['.data']);
    assert.deepEqual(readdirSync(join(dir, '.data')).filter((f) => !/^mfa\.db-(wal|shm)$/.test(f)).sort(), ['mfa.db', 'mfa.key']);
    assert.equal(statSync(join(dir, '.data/mfa.key')).mode & 0o777, 0o600);
    // The database really is SQLite holding the service's signing key.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(dir, '.data/mfa.db'), { readonly: true });
    try {
      assert.equal((db.prepare('SELECT count(*) AS n FROM signing_keys').get() as { n: number }).n, 1);
    } finally {
      db.close();
    }
  });
});
