#!/usr/bin/env node
// `npm start` runs this before the demo: it builds dist/ only when a source is newer than the
// build (`npm ci` has just built it through `prepare`; building again cost ~13 s before the port
// answered). `npm run build` always builds.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const INPUTS = ['src', 'demo/src', 'scripts/build.mjs', 'scripts/esbuild-options.mjs', 'tsconfig.json', 'package-lock.json'];
const OUTPUTS = ['dist/index.js', 'dist/mfa-elements.iife.js', 'dist/server/index.js'];

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
if (built === -Infinity || changed > built) {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
} else {
  console.log('build: dist/ is up to date');
}
