// Server rendering for the hydration test (test/ssr-hydrate.test.ts): `GET /__ssr` answers what
// @lit-labs/ssr renders for each element from the built package (dist/, as a Lit SSR host imports
// it), rendered in a fresh plain-Node process — no DOM shim of the test server's own.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = `
  import { render } from '@lit-labs/ssr';
  import { collectResult } from '@lit-labs/ssr/lib/render-result.js';
  import { html } from 'lit';
  await import('mfa-elements/define.js');
  console.log(JSON.stringify({
    'mfa-prompt': await collectResult(render(html\`<mfa-prompt resource="payments" action="transfer"></mfa-prompt>\`)),
    'mfa-enroll': await collectResult(render(html\`<mfa-enroll type="totp"></mfa-enroll>\`)),
    'mfa-authenticators': await collectResult(render(html\`<mfa-authenticators></mfa-authenticators>\`)),
  }));
`;

export function ssrRender() {
  return async (ctx, next) => {
    if (ctx.path !== '/__ssr' || ctx.method !== 'GET') return next();
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    ctx.type = 'application/json';
    ctx.body = await new Promise((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd: root, env, timeout: 20_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) =>
        err ? reject(new Error(`@lit-labs/ssr render failed (is dist/ built?): ${stderr || err.message}`)) : resolve(stdout.trim().split('\n').pop()));
    });
  };
}
