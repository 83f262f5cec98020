// npm run openapi: writes openapi.json (the /mfa protocol, generated from the server's zod
// schemas: src/server/http/openapi.ts). `--check` (run by npm test) fails when the committed file
// differs from what the code generates.
import { readFileSync, writeFileSync } from 'node:fs';
import { openApiDocument } from '../src/server/http/openapi.js';

const file = new URL('../openapi.json', import.meta.url);
const text = `${JSON.stringify(openApiDocument(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch { /* missing counts as stale */ }
  if (current !== text) {
    console.error('openapi: openapi.json is stale; run `npm run openapi` and commit it');
    process.exit(1);
  }
  console.log('openapi: openapi.json is up to date');
} else {
  writeFileSync(file, text);
  console.log('openapi: wrote openapi.json');
}
