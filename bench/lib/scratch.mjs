// The scratch folder of competitor and tool packages: outside the repo, installed on first use with
// the exact versions of bench/competitors.json, reused by later runs. Nothing here touches the
// project's own package.json or node_modules.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR } from './common.mjs';

export const SCRATCH = process.env.BENCH_SCRATCH || join(tmpdir(), 'mfa-elements-bench');
const manifest = JSON.parse(readFileSync(join(BENCH_DIR, 'competitors.json'), 'utf8'));

/** `{ name: version }` of a group in bench/competitors.json. */
export const pinned = (group) => {
  const packages = manifest.groups[group];
  if (!packages) throw new Error(`bench/competitors.json has no group "${group}"`);
  return packages;
};

const installedVersion = (name) => {
  const file = join(SCRATCH, 'node_modules', name, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : null;
};

/** Installs whatever of the group is missing or at another version; returns `{ name: version }`. */
export function ensurePackages(group) {
  const packages = pinned(group);
  const missing = Object.entries(packages).filter(([name, version]) => installedVersion(name) !== version);
  if (missing.length > 0) {
    mkdirSync(SCRATCH, { recursive: true });
    const pkg = join(SCRATCH, 'package.json');
    if (!existsSync(pkg)) writeFileSync(pkg, JSON.stringify({ name: 'mfa-elements-bench-scratch', private: true }, null, 2) + '\n');
    const specs = missing.map(([name, version]) => `${name}@${version}`);
    console.log(`bench: installing into ${SCRATCH}: ${specs.join(' ')}`);
    const started = Date.now();
    execFileSync('npm', ['install', '--prefix', SCRATCH, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...specs], {
      cwd: SCRATCH,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    console.log(`bench: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const wrong = Object.entries(packages).filter(([name, version]) => installedVersion(name) !== version);
    if (wrong.length > 0) throw new Error(`scratch install did not give ${wrong.map(([n, v]) => `${n}@${v}`).join(', ')}`);
  }
  return { ...packages };
}

/** `require` resolving from the scratch folder (CommonJS packages). */
export const scratchRequire = createRequire(join(SCRATCH, 'package.json'));

/** Dynamic `import()` of a package installed in the scratch folder (ESM entry, `node` condition). */
export async function scratchImport(specifier) {
  return import(pathToFileURL(resolveFromScratch(specifier)).href);
}

function resolveFromScratch(specifier) {
  // Node 20's import.meta.resolve cannot resolve from another folder: read the package's exports.
  const [scope, maybeName, ...rest] = specifier.split('/');
  const name = scope.startsWith('@') ? `${scope}/${maybeName}` : scope;
  const sub = scope.startsWith('@') ? rest.join('/') : [maybeName, ...rest].filter(Boolean).join('/');
  const dir = join(SCRATCH, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const key = sub ? `./${sub}` : '.';
  let entry = pkg.exports?.[key] ?? (key === '.' ? pkg.exports : undefined);
  const pick = (e) => {
    if (typeof e === 'string') return e;
    if (!e || typeof e !== 'object') return undefined;
    for (const cond of ['node', 'import', 'default']) {
      const hit = pick(e[cond]);
      if (hit) return hit;
    }
    return undefined;
  };
  entry = pick(entry) ?? (key === '.' ? pkg.module ?? pkg.main : sub);
  return join(dir, entry);
}
