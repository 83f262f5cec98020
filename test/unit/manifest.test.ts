/**
 * custom-elements.json and vscode.html-custom-data.json describe the package as shipped
 * (docs/packaging.md): valid against the Custom Elements Manifest schema (the
 * custom-elements-manifest package), module paths that are published files in dist/, one
 * `custom-element-definition` per tag that dist/define.js really registers (checked by importing it
 * in plain Node, where Lit's SSR shim is the registry), no base class posing as an element, and
 * events that are DOM event names.
 */
import Ajv from 'ajv';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const json = (path: string) => JSON.parse(readFileSync(`${root}/${path}`, 'utf8'));

interface Reference { name: string; module?: string; package?: string }
interface Declaration { kind: string; name: string; customElement?: boolean; tagName?: string; events?: { name: string }[] }
interface Module { path: string; declarations?: Declaration[]; exports?: { kind: string; name: string; declaration: Reference }[] }
const manifest = json('custom-elements.json') as { schemaVersion: string; modules: Module[] };

/** `defineElement('tag', Class)` calls of dist/define.js → { tag: Class }. */
function defineCalls(): Record<string, string> {
  const source = readFileSync(`${root}/dist/define.js`, 'utf8');
  return Object.fromEntries([...source.matchAll(/defineElement\('([a-z][\w-]*)',\s*(\w+)\)/g)].map((m) => [m[1], m[2]]));
}

/** What importing mfa-elements/define.js registers, read back from the registry: { tag: class name }. */
function registered(tags: string[]): Promise<Record<string, string | null>> {
  const script = `
    await import('mfa-elements/define.js');
    console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(tags)}.map((t) => [t, customElements.get(t)?.name ?? null]))));
  `;
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr || err.message));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

test('custom-elements.json is valid against the Custom Elements Manifest schema', () => {
  const schema = json('node_modules/custom-elements-manifest/schema.json');
  const validate = new Ajv.default({ allErrors: true, strict: false }).compile(schema);
  assert.ok(validate(manifest), JSON.stringify(validate.errors, null, 2));
});

test('every module path is a published file in dist/', () => {
  assert.ok(existsSync(`${root}/dist/define.js`), 'run `npm run build` first');
  const paths = manifest.modules.map((m) => m.path);
  assert.deepEqual(paths.filter((p) => !/^dist\/[\w./-]+\.js$/.test(p) || /^dist\/(demo\/|bundle-iife\.)/.test(p)), [], 'paths outside the published dist/');
  assert.deepEqual(paths.filter((p) => !existsSync(`${root}/${p}`)), [], 'paths without a built file');
  const references: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const { module } = node as { module?: unknown };
      if (typeof module === 'string') references.push(module);
      Object.values(node).forEach(walk);
    }
  };
  walk(manifest.modules);
  assert.deepEqual([...new Set(references.filter((r) => !paths.includes(r)))], [], 'references to modules the manifest does not list');
});

test('dist/define.js declares exactly the elements it registers, each pointing at its class', async () => {
  const calls = defineCalls();
  const tags = Object.keys(calls).sort();
  assert.deepEqual(tags, ['mfa-authenticators', 'mfa-enroll', 'mfa-prompt', 'mfa-provider']);
  const live = await registered(tags);
  assert.deepEqual(live, calls, 'the registry holds the classes define.js names');
  const define = manifest.modules.find((m) => m.path === 'dist/define.js');
  const definitions = (define?.exports ?? []).filter((e) => e.kind === 'custom-element-definition');
  assert.deepEqual(Object.fromEntries(definitions.map((d) => [d.name, d.declaration.name])), calls);
  for (const d of definitions) {
    const declared = manifest.modules.find((m) => m.path === d.declaration.module)?.declarations?.find((x) => x.name === d.declaration.name);
    assert.ok(declared?.customElement, `${d.name} → ${d.declaration.module}#${d.declaration.name} is a custom element`);
    assert.equal(declared.tagName, d.name);
  }
  // No other module claims to define anything.
  const elsewhere = manifest.modules.filter((m) => m !== define && m.exports?.some((e) => e.kind === 'custom-element-definition'));
  assert.deepEqual(elsewhere.map((m) => m.path), []);
});

test('custom elements are exactly the four tags, with DOM event names only', () => {
  const elements = manifest.modules.flatMap((m) => (m.declarations ?? []).filter((d) => d.customElement));
  assert.deepEqual(elements.map((d) => d.tagName).sort(), ['mfa-authenticators', 'mfa-enroll', 'mfa-prompt', 'mfa-provider'], 'no base class listed as an element');
  const badEvents = elements.flatMap((d) => (d.events ?? []).filter((e) => !/^[a-z][a-z0-9-]*$/.test(e.name)).map((e) => `${d.tagName}: ${e.name}`));
  assert.deepEqual(badEvents, []);
  const prompt = elements.find((d) => d.tagName === 'mfa-prompt')!;
  assert.deepEqual((prompt.events ?? []).map((e) => e.name).sort(), ['mfa-error', 'mfa-hide', 'mfa-request-close', 'mfa-show', 'reject', 'resolve']);
});

test('vscode.html-custom-data.json lists the same four tags and no phantom event', () => {
  const data = json('vscode.html-custom-data.json') as { tags: { name: string; description: { value: string } }[] };
  assert.deepEqual(data.tags.map((t) => t.name), ['mfa-authenticators', 'mfa-enroll', 'mfa-prompt', 'mfa-provider']);
  assert.deepEqual(data.tags.filter((t) => /Context`/.test(t.description.value)).map((t) => t.name), []);
});
