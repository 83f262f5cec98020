#!/usr/bin/env node
// npm run build: tsc → dist/ (ES2021 modules + declarations, for npm and the server), then the
// two script-tag bundles with esbuild. Also run by `prepare`, so a fresh clone can import the
// package right after `npm ci`.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';

const started = Date.now();
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });

import { common, iifeOptions } from './esbuild-options.mjs';

// ESM: code only some users need (the QR encoder) is split out and loaded on first use.
await build({
  ...common,
  entryPoints: { 'mfa-elements': 'src/index.ts' },
  outdir: 'dist',
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});

// IIFE for a plain <script> tag: one file with all code and English, defines the elements, global
// `MfaElements`; other languages come from dist/locales/<file>.js beside it (locale-loaders.url.ts).
await build({ ...common, ...iifeOptions, outfile: 'dist/mfa-elements.iife.js' });
await build({
  ...common,
  entryPoints: readdirSync('src/i18n/locales').map((f) => `src/i18n/locales/${f}`),
  outdir: 'dist/locales',
  format: 'esm',
});

console.log(`build: dist/ in ${Date.now() - started} ms`);
