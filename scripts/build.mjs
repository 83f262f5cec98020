#!/usr/bin/env node
// npm run build: tsc → dist/ (ES2021 modules + declarations, for npm and the server), then the
// two script-tag bundles with esbuild. Also run by `prepare`, so a fresh clone can import the
// package right after `npm ci`.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const started = Date.now();
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });

const common = {
  bundle: true,
  minify: true,
  sourcemap: true,
  target: 'es2021',
  tsconfig: 'tsconfig.json',
  legalComments: 'none',
  logLevel: 'warning',
};

// ESM: code only some users need (the QR encoder) is split out and loaded on first use.
await build({
  ...common,
  entryPoints: { 'mfa-elements': 'src/index.ts' },
  outdir: 'dist',
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});

// IIFE for a plain <script> tag: one file, defines the elements, global `MfaElements`.
await build({
  ...common,
  entryPoints: ['src/bundle-iife.ts'],
  outfile: 'dist/mfa-elements.iife.js',
  format: 'iife',
  globalName: 'MfaElements',
});

console.log(`build: dist/ in ${Date.now() - started} ms`);
