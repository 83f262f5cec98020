// bench:size — bytes a page downloads for our prompt next to other step-up / sign-in UIs and the
// building blocks one would write a dialog with, each bundled the same way with the project's
// esbuild: bundle, minify, ESM, target es2022, code splitting, browser platform, production mode.
//
// For each entry: "initial" = the entry file plus every chunk it imports statically (what loads
// before the UI can show); "lazy" = chunks only reached through dynamic import() (loaded on first
// use of a feature, e.g. our QR encoder during enrollment). Each file is compressed on its own,
// as a server sends it: brotli quality 11 and gzip level 9. CSS that a package asks the page to
// include separately is listed in the notes, not added.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { ROOT, SMOKE, ensureBuilt, fmt, machineInfo, main, printTable, writeResult } from './lib/common.mjs';
import { SCRATCH, ensurePackages } from './lib/scratch.mjs';

const OURS_VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

const brotli = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;
const gzip = (buf) => gzipSync(buf, { level: 9 }).length;

function measureFiles(files) {
  let min = 0, gz = 0, br = 0;
  for (const buf of files) {
    min += buf.length;
    gz += gzip(buf);
    br += brotli(buf);
  }
  return { files: files.length, minified: min, gzip: gz, brotli: br };
}

/** Bundles `source` (an ES module) and splits the output into initial and lazy files. */
async function bundle(id, source, { ours = false } = {}) {
  const dir = join(SCRATCH, 'size-entries', id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, 'entry.mjs');
  writeFileSync(entry, source);
  const outdir = join(dir, 'out');
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: ours ? ROOT : SCRATCH,
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    splitting: true,
    outdir,
    metafile: true,
    write: false,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    conditions: ['production'],
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'dataurl', '.png': 'file', '.gif': 'file' },
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const byPath = new Map(result.outputFiles.map((f) => [f.path, Buffer.from(f.contents)]));
  const rel = (p) => join(dir, p.startsWith('out/') ? p : p); // metafile paths are relative to absWorkingDir
  const abs = (p) => (p.startsWith('/') ? p : join(ours ? ROOT : SCRATCH, p));
  const entryOut = Object.keys(outputs).find((p) => outputs[p].entryPoint && abs(outputs[p].entryPoint) === entry);
  const initial = new Set();
  const walk = (p) => {
    if (initial.has(p)) return;
    initial.add(p);
    for (const imp of outputs[p].imports) if (imp.kind === 'import-statement' && !imp.external) walk(imp.path);
  };
  walk(entryOut);
  const js = (p) => p.endsWith('.js');
  const all = Object.keys(outputs).filter(js);
  const assets = Object.keys(outputs).filter((p) => !js(p) && !p.endsWith('.map'));
  void rel;
  return {
    initial: measureFiles([...initial].map((p) => byPath.get(abs(p)))),
    lazy: measureFiles(all.filter((p) => !initial.has(p)).map((p) => byPath.get(abs(p)))),
    assets: assets.length,
  };
}

/** A file as published (already minified by its authors): only compressed. */
function asShipped(path) {
  return { initial: measureFiles([readFileSync(path)]), lazy: measureFiles([]), assets: 0 };
}

await main('size', async () => {
  ensureBuilt(['dist/mfa-elements.iife.js']);
  // --smoke: only our bundles, Lit and Shoelace (the `open` group: two small installs, not seven).
  const v = ensurePackages(SMOKE ? 'open' : 'size');
  const esbuildVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/esbuild/package.json'), 'utf8')).version;
  const src = (p) => JSON.stringify(join(ROOT, p));

  const SMOKE_ENTRIES = ['ours-prompt', 'ours-esm-all', 'ours-iife', 'lit', 'shoelace'];
  const allEntries = [
    {
      id: 'ours-prompt', name: 'mfa-elements: openAuthIdpModal (ESM prompt path)', version: OURS_VERSION, ours: true,
      what: '<mfa-prompt>, client, promise API, en strings',
      source: `export { openAuthIdpModal } from ${src('dist/index.js')};\n`,
    },
    {
      id: 'ours-esm-all', name: 'mfa-elements: every browser export (ESM)', version: OURS_VERSION, ours: true,
      what: 'prompt + enroll + mfaFetch + client + all exports',
      source: `export * from ${src('dist/index.js')};\n`,
    },
    {
      id: 'ours-iife', name: 'mfa-elements: dist/mfa-elements.iife.js', version: OURS_VERSION, ours: true,
      what: 'script-tag bundle as built (all elements defined)',
      shipped: join(ROOT, 'dist/mfa-elements.iife.js'),
    },
    {
      id: 'lit', name: 'Lit alone', version: v.lit,
      what: 'a minimal LitElement (html, css, one element)',
      source: `import { LitElement, html, css } from 'lit';\nexport class BenchLit extends LitElement {\n  static styles = css\`:host { display: block }\`;\n  render() { return html\`<slot></slot>\`; }\n}\ncustomElements.define('bench-lit', BenchLit);\n`,
    },
    {
      id: 'shoelace', name: 'Shoelace dialog + input', version: v['@shoelace-style/shoelace'],
      what: 'sl-dialog + sl-input (cherry-picked); needs its theme CSS too',
      source: `import '@shoelace-style/shoelace/dist/components/dialog/dialog.js';\nimport '@shoelace-style/shoelace/dist/components/input/input.js';\n`,
      css: '@shoelace-style/shoelace/dist/themes/light.css',
    },
    {
      id: 'hanko', name: 'Hanko Elements', version: v['@teamhanko/hanko-elements'],
      what: 'register() → <hanko-auth>, <hanko-profile> (Preact inside)',
      source: `export { register } from '@teamhanko/hanko-elements';\n`,
    },
    {
      id: 'descope', name: 'Descope web component', version: v['@descope/web-component'],
      what: '<descope-wc> (flow runner; fetches its UI at run time)',
      source: `export { default } from '@descope/web-component';\n`,
    },
    {
      id: 'descope-ui', name: 'Descope UI it fetches: @descope/web-components-ui', version: v['@descope/web-components-ui'],
      what: 'dist/umd/index.js as published (the loader; each component is a further chunk)',
      shipped: join(SCRATCH, 'node_modules/@descope/web-components-ui/dist/umd/index.js'),
    },
    {
      id: 'stytch', name: 'Stytch UI (@stytch/vanilla-js)', version: v['@stytch/vanilla-js'],
      what: 'StytchUIClient (pre-built UI + client)',
      source: `export { StytchUIClient } from '@stytch/vanilla-js';\n`,
    },
    {
      id: 'okta', name: 'Okta Sign-In Widget', version: v['@okta/okta-signin-widget'],
      what: 'OktaSignIn (default export); needs its CSS too',
      source: `export { default } from '@okta/okta-signin-widget';\n`,
      css: '@okta/okta-signin-widget/dist/css/okta-sign-in.min.css',
    },
  ];

  const entries = SMOKE ? allEntries.filter((e) => SMOKE_ENTRIES.includes(e.id)) : allEntries;
  if (SMOKE) console.log(`bench:size --smoke: ${entries.map((e) => e.id).join(', ')} only`);
  const results = [];
  for (const e of entries) {
    const started = Date.now();
    const m = e.shipped ? asShipped(e.shipped) : await bundle(e.id, e.source, { ours: e.ours });
    const css = e.css ? measureFiles([readFileSync(join(SCRATCH, 'node_modules', e.css))]) : null;
    results.push({ id: e.id, name: e.name, version: e.version, what: e.what, how: e.shipped ? 'as published/built, compressed only' : 'esbuild bundle', ...m, separateCss: css && { file: e.css, ...css }, buildMs: Date.now() - started });
  }
  const base = results.find((r) => r.id === 'ours-prompt').initial.brotli;
  const descope = results.find((r) => r.id === 'descope');
  const descopeUi = results.find((r) => r.id === 'descope-ui');
  for (const r of results) r.brotliVsOursPrompt = Number((r.initial.brotli / base).toFixed(2));
  const descopeTotal = descope && descopeUi ? descope.initial.brotli + descopeUi.initial.brotli : null;

  printTable(
    `Bundle size (esbuild ${esbuildVersion}: minify, ESM, es2022, splitting; brotli q11 / gzip -9 per file)`,
    ['bundle', 'version', 'initial files', 'minified', 'gzip', 'brotli', '× ours (brotli)', 'lazy chunks (brotli)'],
    results.map((r) => [
      r.name, r.version, r.initial.files, fmt(r.initial.minified), fmt(r.initial.gzip), fmt(r.initial.brotli),
      `${r.brotliVsOursPrompt.toFixed(2)}×`, r.lazy.files ? `${fmt(r.lazy.brotli)} in ${r.lazy.files}` : '—',
    ]),
  );
  if (descopeTotal !== null) console.log(`\nDescope before any UI component chunk: web component + UI loader = ${fmt(descopeTotal)} B brotli (${(descopeTotal / base).toFixed(2)}× ours)`);
  for (const r of results.filter((x) => x.separateCss)) console.log(`${r.name} also needs ${r.separateCss.file}: ${fmt(r.separateCss.brotli)} B brotli`);

  writeResult('size', {
    machine: machineInfo({ esbuild: esbuildVersion }),
    config: { esbuild: { bundle: true, minify: true, format: 'esm', target: 'es2022', platform: 'browser', splitting: true, define: { 'process.env.NODE_ENV': 'production' } }, brotliQuality: 11, gzipLevel: 9, scratch: SCRATCH },
    oursPromptBrotli: base,
    descopeWithUiLoaderBrotli: descopeTotal,
    results,
  });
});
