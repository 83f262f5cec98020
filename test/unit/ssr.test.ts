/**
 * SSR safety: the built package imported in plain Node — no DOM, no shim from other
 * tests (each import runs in a fresh `node` child process, by package name through `exports`):
 * nothing throws, nothing is registered, nothing keeps the process alive.
 *
 * What "no DOM" means with Lit: Lit's `node` export condition loads its own SSR shim, which sets
 * `globalThis.customElements` to a server-side registry (@lit-labs/ssr-dom-shim) when there is none
 * — the way Lit documents for importing components in Node. So afterwards `customElements` is
 * either undefined (headless modules that never load Lit) or exactly that shim, and no element of
 * ours is in it; `document`, `window` and `HTMLElement` stay undefined.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TAGS = ['mfa-prompt', 'mfa-enroll', 'mfa-authenticators', 'mfa-provider'];

interface Report {
  exports: Record<string, string[]>;
  customElements: 'undefined' | 'lit-ssr-shim' | 'other';
  defined: string[];
  globals: Record<string, string>;
}

/** Imports `specifiers` one after another in a fresh Node process and reports what they left behind. */
function importInPlainNode(specifiers: string[]): Promise<Report> {
  const script = `
    const exports = {};
    for (const spec of ${JSON.stringify(specifiers)}) exports[spec] = Object.keys(await import(spec)).sort();
    const shim = await import('@lit-labs/ssr-dom-shim');
    const registry = globalThis.customElements;
    const report = {
      exports,
      customElements: registry === undefined ? 'undefined' : registry === shim.customElements ? 'lit-ssr-shim' : 'other',
      defined: ${JSON.stringify(TAGS)}.filter((tag) => registry?.get(tag)),
      globals: Object.fromEntries(['document', 'window', 'HTMLElement', 'localStorage'].map((g) => [g, typeof globalThis[g]])),
    };
    console.log(JSON.stringify(report));
  `;
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // no tsx loader, no preloaded shim: plain Node
  return new Promise((resolve, reject) => {
    // The timeout also catches an import that keeps the process alive (an open handle).
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`import of ${specifiers.join(', ')} failed${err.killed ? ' (still running after 20 s: an open handle?)' : ''}:\n${stderr || err.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Report);
    });
  });
}

const noDom = { document: 'undefined', window: 'undefined', HTMLElement: 'undefined', localStorage: 'undefined' };

test('dist/ is built (npm run build)', () => {
  assert.ok(existsSync(`${root}/dist/index.js`), 'run `npm run build` first');
});

test("import 'mfa-elements' in plain Node: no throw, the API is there, nothing registered", async () => {
  const report = await importInPlainNode(['mfa-elements']);
  for (const name of ['openAuthIdpModal', 'promptForMFA', 'configure', 'mfaFetch', 'MfaClient', 'MfaPrompt', 'MfaEnroll', 'MfaError']) {
    assert.ok(report.exports['mfa-elements'].includes(name), `exports ${name}`);
  }
  assert.deepEqual(report.defined, []);
  assert.notEqual(report.customElements, 'other', 'no registry but Lit’s own SSR shim');
  assert.deepEqual(report.globals, noDom);
});

test("import 'mfa-elements/compat/*' (each facade) and the type entries in plain Node: no throw, nothing registered", async () => {
  const compat = readdirSync(`${root}/dist/compat`).filter((f) => f.endsWith('.js')).map((f) => `mfa-elements/compat/${f.slice(0, -3)}`);
  assert.ok(compat.length >= 5, `compat facades found: ${compat.join(', ')}`);
  for (const spec of [...compat, 'mfa-elements/react', 'mfa-elements/vue']) {
    const report = await importInPlainNode([spec]);
    if (spec.includes('/compat/')) assert.ok(report.exports[spec].length > 0, `${spec} exports something`);
    assert.deepEqual(report.defined, [], spec);
    assert.notEqual(report.customElements, 'other', spec);
    assert.deepEqual(report.globals, noDom, spec);
  }
});

test("import 'mfa-elements/define.js' in plain Node: no throw, no DOM, and the process still exits", async () => {
  // It defines into Lit's server-side registry only (what Lit SSR renders from); no DOM appears.
  const report = await importInPlainNode(['mfa-elements/define.js']);
  assert.equal(report.customElements, 'lit-ssr-shim');
  assert.deepEqual(report.globals, noDom);
});

/** Renders each element with @lit-labs/ssr in a fresh plain-Node process → tag → HTML. */
function renderWithLitSsr(): Promise<Record<string, string>> {
  const script = `
    import { render } from '@lit-labs/ssr';
    import { collectResult } from '@lit-labs/ssr/lib/render-result.js';
    import { html } from 'lit';
    await import('mfa-elements/define.js');
    const out = {
      'mfa-prompt': await collectResult(render(html\`<mfa-prompt resource="payments" action="transfer"></mfa-prompt>\`)),
      'mfa-enroll': await collectResult(render(html\`<mfa-enroll type="totp"></mfa-enroll>\`)),
      'mfa-authenticators': await collectResult(render(html\`<mfa-authenticators></mfa-authenticators>\`)),
      globals: JSON.stringify(['document', 'window'].map((g) => typeof globalThis[g])),
    };
    console.log(JSON.stringify(out));
  `;
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env, timeout: 20_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`@lit-labs/ssr render failed:\n${stderr || err.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, string>);
    });
  });
}

test('@lit-labs/ssr renders <mfa-prompt>, <mfa-enroll> and <mfa-authenticators>: an empty, closed shell in a declarative shadow root', async () => {
  const rendered = await renderWithLitSsr();
  assert.equal(rendered.globals, JSON.stringify(['undefined', 'undefined']), 'rendering left no DOM globals behind');
  for (const tag of ['mfa-prompt', 'mfa-enroll', 'mfa-authenticators']) {
    const out = rendered[tag];
    const host = out.match(new RegExp(`<${tag}\\b[^>]*>`))?.[0];
    assert.ok(host, `${tag}: the host element is in the output`);
    assert.doesNotMatch(host, /\sopen\b/, `${tag}: the host is closed`);
    assert.match(out, new RegExp(`<${tag}\\b[^>]*><template shadowroot="open" shadowrootmode="open">`), `${tag}: a declarative shadow root to hydrate`);
    const dialog = out.match(/<dialog\b[^>]*>/)?.[0];
    assert.ok(dialog, `${tag}: its <dialog> frame is rendered`);
    assert.doesNotMatch(dialog, /\sopen\b/, `${tag}: the dialog is closed`);
    assert.match(out, /<dialog\b[^>]*>(<!--[^>]*-->)*<\/dialog>/, `${tag}: the dialog is empty until it opens`);
    assert.doesNotMatch(out, /<input\b/, `${tag}: no code field before the element opens`);
  }
});
