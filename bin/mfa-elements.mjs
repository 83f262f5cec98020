#!/usr/bin/env node
// `npx mfa-elements …` — see docs/service.md. The command lives in dist/ (built by `npm run build`,
// which npm runs as `prepare` when npx installs from a checkout). Without dist/ say how to build
// instead of failing with a module-not-found trace; in a checkout whose sources changed since
// (npx builds only on its first run), say that dist/ is older than them.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'server', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`mfa-elements: ${entry} is missing; build it first: (cd ${root} && npm run build)\n`);
  process.exit(1);
}
const src = join(root, 'src');
if (existsSync(src)) {
  const built = statSync(entry).mtimeMs;
  const newer = readdirSync(src, { recursive: true }).find((f) => statSync(join(src, f)).mtimeMs > built);
  if (newer) process.stderr.write(`mfa-elements: warning: dist/ is older than src/${newer}; to run your changes: (cd ${root} && npm run build)\n`);
}
const { main } = await import(pathToFileURL(entry).href);
await main(process.argv.slice(2));
