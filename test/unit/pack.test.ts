/**
 * The npm tarball: `npm pack --dry-run` lists what a user needs and nothing else.
 *
 * In: the ES modules with declarations (dist/**), the script-tag bundles and their lazy chunks and
 * locales, the server, the compat facades, the framework type entries, custom-elements.json,
 * vscode.html-custom-data.json, README, LICENSE (when there is one), package.json.
 * No source maps (docs/packaging.md): none is packed and no .js names one (a named but missing map
 * makes Vite, webpack and DevTools warn). Out: src/, test/, demo/ (and dist/demo/, the demo's bundles), bench/,
 * docs/ (the README is the package's documentation; docs/ with its screenshots stays in the
 * repository), scripts/, CI files, the IIFE entry's tsc output (dist/bundle-iife.*).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { browserApp, diskBytes, installApp, installedPackages, pack as packTarball } from '../../scripts/consumer-app.mjs';
import { LOCALE_FILES } from '../../src/i18n/locale-files.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface PackResult {
  files: { path: string; size: number }[];
  size: number;
  unpackedSize: number;
}

function pack(): Promise<PackResult> {
  return new Promise((resolve, reject) => {
    // --ignore-scripts: `prepare` would rebuild dist/ under the other tests' feet.
    execFile('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`npm pack failed: ${stderr || err.message}`));
      else resolve((JSON.parse(stdout) as PackResult[])[0]);
    });
  });
}

const result = pack();
const paths = async () => new Set((await result).files.map((f) => f.path));

test('the tarball has what a user needs', async (t) => {
  const files = await paths();
  const { size, unpackedSize } = await result;
  t.diagnostic(`${files.size} files, ${size} bytes packed, ${unpackedSize} unpacked`);
  const needed = [
    'package.json', 'README.md', 'custom-elements.json', 'vscode.html-custom-data.json',
    'dist/index.js', 'dist/index.d.ts', 'dist/define.js', 'dist/define.d.ts',
    'dist/mfa-elements.js', 'dist/mfa-elements.iife.js', 'dist/mfa-elements.iife.d.ts',
    // …and the prompt's other steps and the passkey ceremony from beside itself too (lazy.url.ts).
    'dist/mfa-prompt-steps.js', 'dist/mfa-passkeys.js', 'dist/mfa-qr.js',
    'dist/react.js', 'dist/react.d.ts', 'dist/vue.js', 'dist/vue.d.ts',
    // require() of each entry (docs/packaging.md).
    'dist/index.cjs', 'dist/index.d.cts', 'dist/define.cjs', 'dist/server/entry.cjs', 'dist/server/entry.d.cts',
    'dist/server/entry.js', 'dist/server/index.js', 'dist/server/index.d.ts',
    'dist/server/sqlite.js', 'dist/server/sqlite.d.ts', 'dist/server/redis.js', 'dist/server/redis.d.ts',
    'dist/server/postgres.js', 'dist/server/postgres.d.ts',
    // The QR encoder (qrcode's core, bundled: the package depends on no qrcode).
    'dist/elements/mfa-enroll/qr-encoder.js',
    ...['q2', 'transcodes', 'clerk', 'mx', 'authing'].flatMap((c) => [`dist/compat/${c}.js`, `dist/compat/${c}.d.ts`]),
    // The IIFE fetches other languages from locales/ beside itself; the npm modules import their own.
    ...new Set(Object.values(LOCALE_FILES).flatMap((f) => [`dist/locales/${f}.js`, `dist/i18n/locales/${f}.js`, `dist/i18n/locales/${f}.d.ts`])),
  ];
  if (existsSync(`${root}/LICENSE`)) needed.push('LICENSE');
  assert.deepEqual(needed.filter((f) => !files.has(f)), [], 'missing from the tarball');
  assert.ok([...files].some((f) => /^dist\/chunks\/[\w-]+\.js$/.test(f)), 'the ESM bundle’s lazy chunks');
});

test('every entry point of package.json resolves to a packed file', async () => {
  const files = await paths();
  const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
  const targets: string[] = [pkg.main, pkg.module, pkg.types, pkg.customElements];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(pkg.exports);
  for (const target of targets) {
    const path = target.replace(/^\.\//, '');
    if (path.includes('*')) {
      const [before, after] = path.split('*');
      assert.ok([...files].some((f) => f.startsWith(before) && f.endsWith(after)), `${target} matches a packed file`);
    } else assert.ok(files.has(path), `${target} is packed`);
  }
});

test('nothing else is in the tarball', async () => {
  const files = await paths();
  const allowed = (f: string) =>
    /^(package\.json|README\.md|LICENSE(\.md|\.txt)?|custom-elements\.json|vscode\.html-custom-data\.json|bin\/mfa-elements\.mjs)$/.test(f) ||
    (/^dist\/[\w./-]+\.(js|d\.ts|cjs|d\.cts)$/.test(f) && !/^dist\/(demo\/|bundle-iife\.)/.test(f));
  assert.deepEqual([...files].filter((f) => !allowed(f)), []);
  for (const dir of ['src/', 'test/', 'demo/', 'bench/', 'docs/', 'scripts/', '.ci/', 'node_modules/', 'dist/demo/']) {
    assert.equal([...files].filter((f) => f.startsWith(dir)).length, 0, `nothing from ${dir}`);
  }
});

test('no source maps: none is packed, and no packed .js names one', async () => {
  const files = await paths();
  assert.deepEqual([...files].filter((f) => f.endsWith('.map')), []);
  const naming = [...files].filter((f) => f.endsWith('.js') && /\/\/# sourceMappingURL=/.test(readFileSync(`${root}/${f}`, 'utf8')));
  assert.deepEqual(naming, []);
});

// V8 honours the hint only on a script's first line (docs/performance.md "Time to open"); the
// "use strict" directive still counts after a comment, so the bundle stays strict.
test('the script-tag bundle starts with V8’s compile hint, then its "use strict"', () => {
  const [first, second] = readFileSync(`${root}/dist/mfa-elements.iife.js`, 'utf8').split('\n', 2);
  assert.equal(first, '//# allFunctionsCalledOnLoad');
  assert.match(second, /^"use strict";var MfaElements=/);
});

// ── Installed from the tarball, as users get it (scripts/consumer-app.mjs; `npm run size` made the
// same app a moment earlier in `npm test`, so it is reused here) ──

const browser = (async () => browserApp())();
const SERVER_PEERS = ['hono', '@hono/node-server', 'jose', 'zod', 'pino', '@simplewebauthn/server', 'better-sqlite3', 'redis', 'pg'];

test('a browser-only install: ≤ 40 packages, ≤ 15 MB, no install script, none of the server’s packages', async (t) => {
  const app = await browser;
  const installed = installedPackages(app.dir);
  const bytes = diskBytes(`${app.dir}/node_modules`);
  t.diagnostic(`${installed.length} packages, ${(bytes / 1e6).toFixed(2)} MB: ${installed.map((p) => p.name).sort().join(' ')}`);
  assert.ok(installed.some((p) => p.name === 'mfa-elements'), 'mfa-elements is installed');
  assert.ok(installed.length <= 40, `${installed.length} packages`);
  assert.ok(bytes <= 15_000_000, `${bytes} bytes in node_modules`);
  // npm runs preinstall/install/postinstall, and `node-gyp rebuild` for a binding.gyp without an install script.
  const scripted = installed.filter((p) => ['preinstall', 'install', 'postinstall'].some((s) => p.pkg.scripts?.[s]) || existsSync(`${p.dir}/binding.gyp`));
  assert.deepEqual(scripted.map((p) => p.name), [], 'packages with an install step');
  assert.deepEqual(installed.filter((p) => SERVER_PEERS.includes(p.name) || p.name === 'qrcode').map((p) => p.name), []);
});

/** Runs an ES module (or a CommonJS script) in the app's folder (plain Node, resolving from the app's node_modules). */
function runIn(dir: string, script: string, type: 'module' | 'commonjs' = 'module'): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    execFile(process.execPath, [`--input-type=${type}`, '-e', script], { cwd: dir, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

test('require() loads the very modules import() does: one copy (same functions, MfaError class, locale, facade)', async () => {
  const app = await browser;
  const run = await runIn(app.dir, `
    const cjs = require('mfa-elements'), de = require('mfa-elements/locales/de'), q2 = require('mfa-elements/compat/q2');
    Promise.all([import('mfa-elements'), import('mfa-elements/locales/de'), import('mfa-elements/compat/q2')]).then(([esm, deEsm, q2Esm]) => {
      console.log(JSON.stringify({
        names: Object.keys(cjs).length === Object.keys(esm).length && Object.keys(cjs).length > 0,
        same: cjs.openAuthIdpModal === esm.openAuthIdpModal && cjs.MfaError === esm.MfaError,
        locale: de.default === deEsm.default && typeof de.default === 'object',
        compat: Object.keys(q2).length > 0 && Object.keys(q2).every((k) => q2[k] === q2Esm[k]),
      }));
    });`, 'commonjs');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { names: true, same: true, locale: true, compat: true });
  assert.equal(run.stderr, '', 'no warning');
  // Without the peers, require() says what to install, as import() does.
  const server = await runIn(app.dir, "require('mfa-elements/server');", 'commonjs');
  assert.notEqual(server.code, 0);
  assert.ok(server.stderr.split('\n').some((l) => /^MissingPeerError: mfa-elements\/server needs hono, jose, zod, @simplewebauthn\/server .*: npm i hono jose zod @simplewebauthn\/server$/.test(l)), server.stderr);
});

test('without the peers, the server entry points fail with one line naming what to install', async () => {
  const app = await browser;
  const server = await runIn(app.dir, "await import('mfa-elements/server');");
  assert.notEqual(server.code, 0);
  const line = server.stderr.split('\n').find((l) => l.startsWith('MissingPeerError: '));
  assert.ok(line, server.stderr);
  assert.match(line, /mfa-elements\/server needs hono, jose, zod, @simplewebauthn\/server .*: npm i hono jose zod @simplewebauthn\/server$/);
  // The SQLite store alone needs better-sqlite3 only, and only when one is made.
  const sqlite = await runIn(app.dir, `
    const { SqliteStore } = await import('mfa-elements/server/sqlite');
    try { new SqliteStore({ path: ':memory:' }); } catch (e) { console.log(e.message); }`);
  assert.equal(sqlite.code, 0, sqlite.stderr);
  assert.match(sqlite.stdout.trim(), /^SqliteStore needs better-sqlite3 .*: npm i better-sqlite3$/);
  const redis = await runIn(app.dir, `
    const { RedisStore } = await import('mfa-elements/server/redis');
    await RedisStore.connect().catch((e) => console.log(e.message));`);
  assert.equal(redis.code, 0, redis.stderr);
  assert.match(redis.stdout.trim(), /^RedisStore needs redis .*: npm i redis$/);
  const postgres = await runIn(app.dir, `
    const { PostgresStore } = await import('mfa-elements/server/postgres');
    await PostgresStore.connect().catch((e) => console.log(e.message));`);
  assert.equal(postgres.code, 0, postgres.stderr);
  assert.match(postgres.stdout.trim(), /^PostgresStore needs pg .*: npm i pg$/);
});

test('the README’s server install command gives a working createMfaServer', async (t) => {
  const readme = readFileSync(`${root}/README.md`, 'utf8');
  const command = readme.match(/^npm i (mfa-elements hono .+)$/m)?.[1];
  assert.ok(command, 'README has `npm i mfa-elements hono …`');
  const packages = command.split(/\s+/).filter((p) => p !== 'mfa-elements');
  const packed = packTarball();
  // What this proves is that npm resolves the command (the peer ranges fit together) and that the
  // installed set runs createMfaServer. Compiling better-sqlite3 (its install script, 1.5–4 min
  // here without a prebuilt binary) is better-sqlite3's own step, and the repository's `npm ci`
  // ran that very step for the same version minutes earlier. So the app installs with scripts off,
  // better-sqlite3 is the only package that had one (asserted), and its addon is the one the
  // repository built; if the versions ever differ, the app's copy is compiled (`npm rebuild`).
  const app = installApp('server', packed, packages, { ignoreScripts: true });
  const scripted = installedPackages(app.dir).filter((p) => p.pkg.scripts?.install || p.pkg.scripts?.preinstall || p.pkg.scripts?.postinstall || existsSync(`${p.dir}/binding.gyp`));
  assert.deepEqual(scripted.map((p) => p.name), ['better-sqlite3'], 'packages whose install step was skipped');
  const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  const version = (dir: string) => JSON.parse(readFileSync(`${dir}/node_modules/better-sqlite3/package.json`, 'utf8')).version;
  const reuse = version(app.dir) === version(root) && existsSync(`${root}/${addon}`);
  if (reuse) {
    mkdirSync(dirname(`${app.dir}/${addon}`), { recursive: true });
    copyFileSync(`${root}/${addon}`, `${app.dir}/${addon}`);
  } else if (!existsSync(`${app.dir}/${addon}`)) {
    // Against the local Node headers when there are some (no prebuilt binary can be fetched here).
    const env = existsSync('/usr/include/node/node.h') ? { ...process.env, npm_config_nodedir: '/usr' } : process.env;
    execFileSync('npm', ['rebuild', 'better-sqlite3', '--loglevel=error'], { cwd: app.dir, env, stdio: 'ignore' });
  }
  t.diagnostic(`npm i ${command}${app.reused ? ' (reused)' : ''}; better-sqlite3 ${version(app.dir)} ${reuse ? 'addon from the repository’s install' : 'compiled'}`);
  const run = await runIn(app.dir, `
    import { Hono } from 'hono';
    import { createMfaServer } from 'mfa-elements/server';
    const dataDir = (await import('node:fs')).mkdtempSync((await import('node:os')).tmpdir() + '/mfa-readme-');
    const mfa = createMfaServer({ authenticate: async () => ({ sub: 'alice', sessionId: 's1' }), dataDir, appName: 'Readme' });
    const app = new Hono();
    app.route('/mfa', mfa.app);
    app.post('/api/transfer', mfa.requireStepUp({ resource: 'payments', action: 'transfer' }), (c) => c.json({ ok: true }));
    const jwks = await app.request('/mfa/jwks.json');
    const factors = await app.request('/mfa/factors');
    const guarded = await app.request('/api/transfer', { method: 'POST' });
    console.log(JSON.stringify({ jwks: [jwks.status, (await jwks.json()).keys.length], factors: [factors.status, await factors.json()],
      guarded: [guarded.status, guarded.headers.get('www-authenticate')] }));
    await mfa.close();
  `);
  assert.equal(run.code, 0, run.stderr);
  // require('mfa-elements/server') in a CommonJS server is the same module, with the same stores.
  const cjs = await runIn(app.dir, `
    const cjs = require('mfa-elements/server'), sqlite = require('mfa-elements/server/sqlite');
    import('mfa-elements/server').then((esm) => console.log(JSON.stringify([
      cjs.createMfaServer === esm.createMfaServer, sqlite.SqliteStore === esm.SqliteStore, typeof new sqlite.SqliteStore({ path: ':memory:' }).close])));`, 'commonjs');
  assert.equal(cjs.code, 0, cjs.stderr);
  assert.deepEqual(JSON.parse(cjs.stdout), [true, true, 'function']);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
  assert.deepEqual(result.jwks, [200, 1], 'the signing key is published');
  assert.equal(result.factors[0], 200);
  assert.equal(result.guarded[0], 401);
  assert.match(result.guarded[1], /insufficient_user_authentication/);
});

test('publint --strict and attw (default profile) pass on the package as packed', async (t) => {
  const app = await browser;
  const bin = (name: string) => `${root}/node_modules/.bin/${name}`;
  const exec = (file: string, args: string[]) => new Promise<{ code: number; output: string }>((resolve) => {
    execFile(file, args, { cwd: root, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
  // publint on the installed copy: exactly the tarball's files.
  const publint = await exec(bin('publint'), ['run', `${app.dir}/node_modules/mfa-elements`, '--strict', '--pack', 'false']);
  t.diagnostic(publint.output.trim().split('\n').pop()!);
  assert.equal(publint.code, 0, publint.output);
  assert.match(publint.output, /All good!/);
  // attw on the tarball, default profile, no rule left out: node10 (typesVersions), node16 from
  // CommonJS (the .cjs/.d.cts entries) and from ESM, bundler.
  const attw = await exec(bin('attw'), [app.tarball, '--format', 'ascii']);
  t.diagnostic(attw.output.trim().split('\n').filter((l) => /No problems|problem/i.test(l)).join(' '));
  assert.equal(attw.code, 0, attw.output);
});
