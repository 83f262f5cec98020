/**
 * The npm tarball: `npm pack --dry-run` lists what a user needs and nothing else.
 *
 * In: the ES modules with declarations (dist/**), the script-tag bundles and their lazy chunks and
 * locales, the server, the compat facades, the framework type entries, custom-elements.json,
 * vscode.html-custom-data.json, README, LICENSE (when there is one), package.json.
 * Source maps are in: every .js names its map (`sourceMappingURL`), and a missing map makes Vite,
 * webpack and DevTools warn; each map carries its sources inline (`sourcesContent`), so none points
 * at the unshipped src/. Out: src/, test/, demo/ (and dist/demo/, the demo's bundles), bench/,
 * docs/ (the README is the package's documentation; docs/ with its screenshots stays in the
 * repository), scripts/, CI files, the IIFE entry's tsc output (dist/bundle-iife.*).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
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
    'dist/mfa-elements.js', 'dist/mfa-elements.iife.js',
    // …and the prompt's other steps and the passkey ceremony from beside itself too (lazy.url.ts).
    'dist/mfa-prompt-steps.js', 'dist/mfa-passkeys.js',
    'dist/react.js', 'dist/react.d.ts', 'dist/vue.js', 'dist/vue.d.ts',
    'dist/server/index.js', 'dist/server/index.d.ts',
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
    /^(package\.json|README\.md|LICENSE(\.md|\.txt)?|custom-elements\.json|vscode\.html-custom-data\.json)$/.test(f) ||
    (/^dist\/[\w./-]+\.(js|d\.ts|js\.map)$/.test(f) && !/^dist\/(demo\/|bundle-iife\.)/.test(f));
  assert.deepEqual([...files].filter((f) => !allowed(f)), []);
  for (const dir of ['src/', 'test/', 'demo/', 'bench/', 'docs/', 'scripts/', '.ci/', 'node_modules/', 'dist/demo/']) {
    assert.equal([...files].filter((f) => f.startsWith(dir)).length, 0, `nothing from ${dir}`);
  }
});

test('source maps: each .js finds its map, and each map carries its sources inline', async () => {
  const files = await paths();
  const problems: string[] = [];
  for (const file of files) {
    if (file.endsWith('.js')) {
      const ref = readFileSync(`${root}/${file}`, 'utf8').match(/\/\/# sourceMappingURL=(\S+)\s*$/)?.[1];
      if (!ref) continue;
      const map = `${file.slice(0, file.lastIndexOf('/') + 1)}${ref}`;
      if (!files.has(map)) problems.push(`${file} → ${map} is not packed`);
    } else if (file.endsWith('.map')) {
      const map = JSON.parse(readFileSync(`${root}/${file}`, 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      const missing = map.sources.filter((_, i) => typeof map.sourcesContent?.[i] !== 'string');
      if (missing.length) problems.push(`${file} refers to ${missing.join(', ')} without its content`);
    }
  }
  assert.deepEqual(problems, []);
});
