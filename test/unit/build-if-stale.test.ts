/**
 * `npm start` (scripts/build-if-stale.mjs) builds dist/ only when a source is newer than it: right
 * after `npm ci` (whose `prepare` just built it) the demo answers without a second 13 s build.
 * Run in a scratch folder laid out like the checkout, whose scripts/build.mjs only records that it ran.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/build-if-stale.mjs', import.meta.url));

function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-build-if-stale-'));
  const file = (path: string, text: string, at: number) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
    utimesSync(join(dir, path), at, at);
  };
  const hourAgo = Date.now() / 1000 - 3600;
  file('src/index.ts', 'export {};\n', hourAgo);
  file('scripts/build.mjs', "import { writeFileSync } from 'node:fs'; writeFileSync('built', 'yes');\n", hourAgo);
  for (const out of ['dist/index.js', 'dist/mfa-elements.iife.js', 'dist/server/index.js']) file(out, '', hourAgo + 60);
  // A folder counts by its own time too (a file added or removed): as old as its files here.
  for (const folder of ['src', 'scripts']) utimesSync(join(dir, folder), hourAgo, hourAgo);
  return { dir, file, run: () => execFileSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' }), built: () => existsSync(join(dir, 'built')) };
}

test('a dist/ newer than every source is not built again', () => {
  const s = scratch();
  try {
    assert.match(s.run(), /build: dist\/ is up to date/);
    assert.equal(s.built(), false);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a source changed after the build, or a missing output, builds', () => {
  const s = scratch();
  try {
    s.file('src/index.ts', 'export const changed = 1;\n', Date.now() / 1000);
    s.run();
    assert.equal(s.built(), true);
    rmSync(join(s.dir, 'built'));
    s.file('src/index.ts', 'export {};\n', Date.now() / 1000 - 7200);
    rmSync(join(s.dir, 'dist/server/index.js'));
    s.run();
    assert.equal(s.built(), true);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});
