#!/usr/bin/env node
// Size budget (issue #7), checked in `npm test`: brotli bytes (quality 11) of what a page loads
// before the prompt can open, built with the same esbuild settings as the shipped bundles.
//  - ESM prompt path: `import { openAuthIdpModal } from 'mfa-elements'` — the entry chunk and every
//    chunk it imports statically (lazy chunks such as other locales or the QR encoder excluded).
//  - IIFE: the whole script-tag bundle.
// Bytes are deterministic for a given lockfile, so exceeding a budget fails the build.
import { build } from 'esbuild';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { common, iifeOptions } from './esbuild-options.mjs';

const BUDGET = { prompt: 14_000, iife: 30_000 };
const brotli = (text) => brotliCompressSync(Buffer.from(text), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const gzip = (text) => gzipSync(Buffer.from(text), { level: 9 }).length;
const quiet = { ...common, sourcemap: false, write: false, metafile: true };

async function promptPath() {
  const result = await build({
    ...quiet,
    stdin: { contents: "export { openAuthIdpModal } from './src/index.ts';", resolveDir: process.cwd(), loader: 'ts', sourcefile: 'prompt-path.ts' },
    outdir: 'size-out',
    format: 'esm',
    splitting: true,
  });
  const outputs = result.metafile.outputs;
  const files = new Map(result.outputFiles.map((f) => [f.path.slice(process.cwd().length + 1), f.text]));
  const entry = Object.keys(outputs).find((k) => /stdin|prompt-path/.test(outputs[k].entryPoint ?? ''));
  const seen = new Set();
  const stack = [entry];
  while (stack.length) {
    const key = stack.pop();
    if (seen.has(key)) continue;
    seen.add(key);
    for (const i of outputs[key].imports) if (i.kind === 'import-statement') stack.push(i.path);
  }
  const text = [...seen].map((k) => files.get(k)).join('');
  return { files: seen.size, raw: Buffer.byteLength(text), brotli: [...seen].reduce((n, k) => n + brotli(files.get(k)), 0), gzip: [...seen].reduce((n, k) => n + gzip(files.get(k)), 0) };
}

async function iife() {
  const result = await build({ ...quiet, ...iifeOptions, outfile: 'size-out/iife.js' });
  const text = result.outputFiles.find((f) => f.path.endsWith('.js')).text;
  return { files: 1, raw: Buffer.byteLength(text), brotli: brotli(text), gzip: gzip(text) };
}

const rows = { prompt: await promptPath(), iife: await iife() };
let over = false;
console.log('size (bytes)              raw      gzip    brotli   budget');
for (const [name, r] of Object.entries(rows)) {
  const ok = r.brotli <= BUDGET[name];
  over ||= !ok;
  const label = name === 'prompt' ? 'ESM prompt path' : 'IIFE (whole)';
  console.log(`${label.padEnd(22)} ${String(r.raw).padStart(8)} ${String(r.gzip).padStart(8)} ${String(r.brotli).padStart(8)}   ${BUDGET[name]} ${ok ? 'ok' : 'OVER'}`);
}
console.log('compare (brotli, issue #7): Lit alone 5,817 · Hanko Elements 39,975 · Descope loader 48,694 (+155,824 fetched) · Stytch UI 86,355 · Okta Sign-In Widget 287,351');
if (over) {
  console.error('size: over budget');
  process.exit(1);
}
