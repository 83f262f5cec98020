#!/usr/bin/env node
// Size budget, checked in `npm test`: brotli bytes (quality 11, each file compressed on its own,
// as a server sends it) of what a user's app loads before the prompt can open, measured on the
// package as installed from its npm tarball (scripts/consumer-app.mjs) and bundled by the app's
// bundler. Each bundler must stay within budget:
//  - prompt path: an app with `import { openAuthIdpModal } from 'mfa-elements'` behind a button;
//    the entry file plus every chunk it imports statically (lazy chunks such as other locales,
//    the prompt's other steps or the QR encoder excluded).
//      esbuild: bundle, minify, code splitting, ES2022.
//      Rollup: @rollup/plugin-node-resolve (browser), ES output; each chunk minified with esbuild
//        (Rollup has no minifier of its own). Any Rollup warning fails the check.
//      webpack: zero configuration, `mode: 'production'` (its own terser).
//  - IIFE: the shipped dist/mfa-elements.iife.js (a script tag loads it as is).
// Bytes are deterministic for a given lockfile, so exceeding a budget fails the build.
// `--json` prints the rows as JSON. The README's size table is generated from these rows: the
// check fails when it no longer matches what was measured; `--write` rewrites it.
import { build, transform } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { browserApp } from './consumer-app.mjs';

const BUDGET = { prompt: 14_000, iife: 30_000 };
const brotli = (text) => brotliCompressSync(Buffer.from(text), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const gzip = (text) => gzipSync(Buffer.from(text), { level: 9 }).length;
const measure = (texts) => ({
  files: texts.length,
  raw: texts.reduce((n, t) => n + Buffer.byteLength(t), 0),
  gzip: texts.reduce((n, t) => n + gzip(t), 0),
  brotli: texts.reduce((n, t) => n + brotli(t), 0),
});
const version = (name) => JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;

const PROMPT_APP = `import { openAuthIdpModal } from 'mfa-elements';
document.querySelector('#transfer').addEventListener('click', () => openAuthIdpModal({ resource: 'payments', action: 'transfer' }));
`;

/** Files reachable from `entry` through static imports only. */
function initial(entry, importsOf) {
  const seen = new Set();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    stack.push(...importsOf(file));
  }
  return [...seen];
}

async function withEsbuild(app) {
  const result = await build({
    entryPoints: { main: join(app, 'prompt.js') }, absWorkingDir: app, outdir: join(app, 'out-esbuild'),
    bundle: true, minify: true, splitting: true, format: 'esm', target: 'es2022', platform: 'browser',
    legalComments: 'none', write: false, metafile: true, logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const text = new Map(result.outputFiles.map((f) => [f.path.slice(app.length + 1), f.text]));
  const entry = Object.keys(outputs).find((k) => outputs[k].entryPoint === 'prompt.js');
  const files = initial(entry, (k) => outputs[k].imports.filter((i) => i.kind === 'import-statement').map((i) => i.path));
  // Loaded on first use (not budgeted): a lazy module with the chunks it imports that the page has not loaded yet.
  const lazy = {};
  for (const [name, source] of Object.entries({ steps: 'prompt-steps.js', passkeys: 'passkeys.js', mfaFetch: 'client/mfa-fetch.js' })) {
    const key = Object.keys(outputs).find((k) => outputs[k].entryPoint?.endsWith(source));
    if (key) lazy[name] = measure(initial(key, (k) => outputs[k].imports.filter((i) => i.kind === 'import-statement').map((i) => i.path)).filter((f) => !files.includes(f)).map((f) => text.get(f))).brotli;
  }
  return { ...measure(files.map((f) => text.get(f))), lazy };
}

async function withRollup(app) {
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const warnings = [];
  const bundle = await rollup({ input: join(app, 'prompt.js'), plugins: [nodeResolve({ browser: true })], onwarn: (w) => warnings.push(w) });
  const { output } = await bundle.generate({ format: 'es' });
  await bundle.close();
  if (warnings.length) {
    throw new Error(`Rollup warned ${warnings.length}×:\n${warnings.map((w) => `  ${w.code}: ${w.message}`).join('\n')}`);
  }
  const chunks = new Map(output.filter((o) => o.type === 'chunk').map((c) => [c.fileName, c]));
  const entry = [...chunks.values()].find((c) => c.isEntry).fileName;
  const files = initial(entry, (f) => chunks.get(f).imports);
  const minified = await Promise.all(files.map(async (f) => (await transform(chunks.get(f).code, { minify: true, format: 'esm', target: 'es2022', legalComments: 'none' })).code));
  return measure(minified);
}

async function withWebpack(app) {
  const { default: webpack } = await import('webpack');
  const out = join(app, 'out-webpack');
  rmSync(out, { recursive: true, force: true });
  const stats = await new Promise((resolve, reject) => {
    webpack({ mode: 'production', context: app, entry: { main: './prompt.js' }, output: { path: out, publicPath: 'auto' }, performance: { hints: false } }, (err, s) => {
      if (err) reject(err);
      else if (s.hasErrors() || s.hasWarnings()) reject(new Error(s.toString({ all: false, errors: true, warnings: true })));
      else resolve(s.toJson({ all: false, entrypoints: true }));
    });
  });
  const files = stats.entrypoints.main.assets.map((a) => a.name).filter((n) => n.endsWith('.js'));
  return measure(files.map((f) => readFileSync(join(out, f), 'utf8')));
}

const started = Date.now();
const app = browserApp();
writeFileSync(join(app.dir, 'prompt.js'), PROMPT_APP);
mkdirSync(join(app.dir, 'out-esbuild'), { recursive: true });
const rows = [
  { name: `prompt path · esbuild ${version('esbuild')}`, budget: BUDGET.prompt, ...(await withEsbuild(app.dir)) },
  { name: `prompt path · Rollup ${version('rollup')}`, budget: BUDGET.prompt, ...(await withRollup(app.dir)) },
  { name: `prompt path · webpack ${version('webpack')}`, budget: BUDGET.prompt, ...(await withWebpack(app.dir)) },
  { name: 'IIFE · dist/mfa-elements.iife.js', budget: BUDGET.iife, ...measure([readFileSync(join(app.dir, 'node_modules/mfa-elements/dist/mfa-elements.iife.js'), 'utf8')]) },
];
if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
const n = (v) => v.toLocaleString('en-US');
console.log(`size: the npm tarball installed in ${app.dir}${app.reused ? ' (reused)' : ''}; brotli q11 per file, bytes`);
console.log(`${'bundle'.padEnd(36)} ${'files'.padStart(5)} ${'raw'.padStart(8)} ${'gzip'.padStart(8)} ${'brotli'.padStart(8)}   budget`);
let over = false;
for (const r of rows) {
  const ok = r.brotli <= r.budget;
  over ||= !ok;
  console.log(`${r.name.padEnd(36)} ${String(r.files).padStart(5)} ${n(r.raw).padStart(8)} ${n(r.gzip).padStart(8)} ${n(r.brotli).padStart(8)}   ${n(r.budget)} ${ok ? 'ok' : 'OVER'}`);
}
const { lazy } = rows[0];
console.log(`lazy, on first use (esbuild, brotli): prompt steps ${n(lazy.steps)} · passkey ceremony ${n(lazy.passkeys)} · mfaFetch ${n(lazy.mfaFetch)}`);
console.log(`size: ${Date.now() - started} ms`);

// The README table between its markers, from this run's rows (one source for the figures).
const README = new URL('../README.md', import.meta.url);
const MARKERS = /(<!-- size:start[^>]*-->\n)[\s\S]*?(<!-- size:end -->)/;
const label = (r) => r.name.startsWith('IIFE')
  ? '**IIFE** — `<script src="dist/mfa-elements.iife.js">` as shipped: every element, the whole API, English'
  : { esbuild: `esbuild ${version('esbuild')} (bundle, minify, splitting, ES2022)`, Rollup: `Rollup ${version('rollup')} (node-resolve; chunks minified with esbuild)`, webpack: `webpack ${version('webpack')} (zero configuration, production)` }[r.name.split(' ')[3]];
const iifeSteps = measure([readFileSync(join(app.dir, 'node_modules/mfa-elements/dist/mfa-prompt-steps.js'), 'utf8')]).brotli;
const table = [
  '| prompt path (`<mfa-prompt>`, client, English), bundled by | raw | gzip | brotli | budget |',
  '|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${label(r)} | ${n(r.raw)} | ${n(r.gzip)} | **${n(r.brotli)}** | ${n(r.budget)} |`),
  '',
  `Loaded on first use and not counted above (esbuild, brotli): the prompt's other steps (sent codes, questions, choices, the method list, with their CSS) ${n(lazy.steps)} · the passkey ceremony (@simplewebauthn/browser) ${n(lazy.passkeys)} · \`mfaFetch\` ${n(lazy.mfaFetch)}; other languages and the QR encoder too. The IIFE's companion \`mfa-prompt-steps.js\` (steps and passkeys together): ${n(iifeSteps)}.`,
  '',
].join('\n');
const readme = readFileSync(README, 'utf8');
const fresh = readme.replace(MARKERS, (_, start, end) => start + table + end);
if (!MARKERS.test(readme)) {
  console.error('size: README.md has no <!-- size:start --> … <!-- size:end --> block');
  over = true;
} else if (fresh !== readme) {
  if (process.argv.includes('--write')) {
    writeFileSync(README, fresh);
    console.log('size: README.md size table rewritten');
  } else {
    console.error('size: the README.md size table differs from these figures; run `npm run size -- --write`');
    over = true;
  }
}
if (over) {
  console.error('size: failed');
  process.exit(1);
}
