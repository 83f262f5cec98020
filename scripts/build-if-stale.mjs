#!/usr/bin/env node
// Builds dist/ only when a source is newer than the build. `npm start` runs it before the demo
// (building again cost ~13 s before the port answered); `npm run build` always builds.
//
// `--prepare` is npm's `prepare` script, which runs on `npm ci` and when npx installs this checkout
// (`npx mfa-elements …` links it into npm's cache and runs `prepare` once). There a failed build
// must not fail the install: npm would leave npx's cache folder half-made, and every later npx run
// fails with ENOENT on its package.json until that folder is deleted, even after the build is
// fixed. So a failed build prints one line and exits 0: the previous dist/ stays (scripts/build.mjs
// swaps a finished build in), or bin/mfa-elements.mjs says how to build. `npm run build`,
// `npm test` and `npm pack` (`prepack`) still fail loudly.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const INPUTS = ['src', 'demo/src', 'scripts/build.mjs', 'scripts/esbuild-options.mjs', 'tsconfig.json', 'package-lock.json'];
const OUTPUTS = ['dist/index.js', 'dist/mfa-elements.iife.js', 'dist/server/index.js'];
const prepare = process.argv.includes('--prepare');

/** Newest modification time under `path` (0 when it does not exist). */
function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const built = Math.min(...OUTPUTS.map((p) => newest(p) || -Infinity));
const changed = Math.max(...INPUTS.map(newest));
if (built !== -Infinity && changed <= built) {
  console.log('build: dist/ is up to date');
} else {
  const { status, signal, error } = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (status !== 0) {
    const why = error?.message ?? (signal ? `killed by ${signal}` : `exit code ${status}`);
    if (!prepare) process.exit(status || 1);
    process.stderr.write(`mfa-elements: the build of dist/ failed (${why}); \`npm run build\` shows why. Installing goes on without it.\n`);
  }
}
