// The package as a user gets it: `npm pack` of this checkout, installed from the tarball into an
// empty app in the temp directory (no peers, install scripts allowed, as a user's `npm i` does).
// Shared by the size check (scripts/size.mjs) and the install test (test/unit/pack.test.ts): the
// app is kept, keyed by the tarball's hash, so one `npm test` packs and installs once.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
// One folder per checkout, so two checkouts on one machine never share (or clobber) an app.
export const SCRATCH = process.env.MFA_CONSUMER_DIR || join(tmpdir(), `mfa-elements-consumer-${createHash('sha256').update(ROOT).digest('hex').slice(0, 8)}`);

const npm = (args, cwd, env = {}) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });

/** Packs the checkout (dist/ as built; `prepare` does not run again) → { tarball, sha256 }. */
export function pack() {
  mkdirSync(SCRATCH, { recursive: true });
  const [info] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', SCRATCH], ROOT));
  const tarball = join(SCRATCH, info.filename);
  return { tarball, sha256: createHash('sha256').update(readFileSync(tarball)).digest('hex'), files: info.files.map((f) => f.path) };
}

/**
 * An app at `<SCRATCH>/<name>` with `packages` installed next to the tarball (none: browser-only).
 * Reinstalled only when the tarball or the package list changed.
 */
export function installApp(name, { tarball, sha256 }, packages = [], { env = {}, ignoreScripts = false } = {}) {
  const dir = join(SCRATCH, name);
  const stamp = join(dir, '.installed');
  const key = JSON.stringify({ sha256, packages, ignoreScripts });
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return { dir, reused: true };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }, null, 2));
  // --prefer-offline: what the repository's own install put in npm's cache is not fetched again.
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...(ignoreScripts ? ['--ignore-scripts'] : []), tarball, ...packages], dir, env);
  writeFileSync(stamp, key);
  return { dir, reused: false };
}

/** Packed, and installed into the browser-only app: what the size check and the install test share. */
export function browserApp() {
  const packed = pack();
  return { ...packed, ...installApp('browser', packed) };
}

/** Every installed package (top level, scoped and nested) → [{ name, dir, pkg }]. */
export function installedPackages(appDir) {
  const found = [];
  const walk = (nodeModules) => {
    if (!existsSync(nodeModules)) return;
    for (const entry of readdirSync(nodeModules)) {
      if (entry.startsWith('.')) continue;
      const path = join(nodeModules, entry);
      if (entry.startsWith('@')) {
        for (const sub of readdirSync(path)) visit(join(path, sub));
      } else visit(path);
    }
  };
  const visit = (dir) => {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) return;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    found.push({ name: pkg.name, dir, pkg });
    walk(join(dir, 'node_modules'));
  };
  walk(join(appDir, 'node_modules'));
  return found;
}

/** Bytes on disk under `dir` (file sizes, symlinks not followed). */
export function diskBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += diskBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}
