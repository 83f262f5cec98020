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

import { common, iifeCompanions, iifeOptions } from './esbuild-options.mjs';

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
await build({ ...common, ...iifeCompanions, outdir: 'dist' });
await build({
  ...common,
  entryPoints: readdirSync('src/i18n/locales').map((f) => `src/i18n/locales/${f}`),
  outdir: 'dist/locales',
  format: 'esm',
});

// The demo's React and Angular pages (demo/src/): not part of the package (`files` leaves dist/demo/
// out). React ships CommonJS and Angular needs its compiler, so they are bundled here, importing
// mfa-elements by its package name as an app would (esbuild resolves it to dist/ through `exports`).
// The Vue page needs no bundle: it loads Vue's own ES module build from /vendor/.
await build({
  entryPoints: { react: 'demo/src/react.tsx', angular: 'demo/src/angular.ts' },
  outdir: 'dist/demo',
  bundle: true,
  format: 'esm',
  splitting: true, // other locales and the QR encoder load on first use, as in an app's own build
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  sourcemap: true,
  target: 'es2022',
  tsconfig: 'tsconfig.json', // legacy decorators, for Lit and Angular alike
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"', ngDevMode: 'false' },
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
});

console.log(`build: dist/ in ${Date.now() - started} ms`);
