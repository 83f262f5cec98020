#!/usr/bin/env node
// Editor support from the Custom Elements Manifest (no extra dependency):
//   node scripts/vscode-data.mjs          sorts custom-elements.json's modules by path, then
//                                         custom-elements.json → vscode.html-custom-data.json
//                                         (run by `npm run analyze`, after `cem analyze`)
//   node scripts/vscode-data.mjs --check  re-runs the analyzer in memory (same arguments as the
//                                         `analyze` script) and fails when either committed file
//                                         is stale (run by `npm test`, so CI catches it).
// VS Code: "html.customData": ["./node_modules/mfa-elements/vscode.html-custom-data.json"].
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const MANIFEST = join(root, 'custom-elements.json');
const VSCODE = join(root, 'vscode.html-custom-data.json');

/** `export type Name = 'a' | 'b';` in src/ → ['a', 'b'] (string-literal unions only). */
function typeAliases() {
  const aliases = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'server') walk(path);
      } else if (path.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/export type (\w+)\s*=\s*([^;]+);/g)) {
          const values = literalUnion(m[2]);
          if (values) aliases.set(m[1], values);
        }
      }
    }
  };
  walk(join(root, 'src'));
  return aliases;
}

/** `'a' | 'b' | undefined` → ['a', 'b']; anything that is not only string literals → null. */
function literalUnion(text, aliases = new Map()) {
  const parts = text.split('|').map((p) => p.trim()).filter((p) => p && p !== 'undefined' && p !== 'null');
  const values = [];
  for (const part of parts) {
    const literal = part.match(/^(['"])(.*)\1$/);
    if (literal) values.push(literal[2]);
    else if (aliases.has(part)) values.push(...aliases.get(part));
    else return null;
  }
  return values.length ? values : null;
}

const md = (value) => ({ kind: 'markdown', value });

function describeTag(d) {
  const lines = [d.summary ?? d.description ?? ''];
  if (d.summary && d.description) lines.push('', d.description);
  const list = (title, items, fmt) => {
    if (items?.length) lines.push('', `**${title}**`, ...items.map((i) => `- ${fmt(i)}`));
  };
  list('Events', d.events, (e) => `\`${e.name}\`${e.description ? ` — ${e.description}` : ''}`);
  list('Methods', d.members?.filter((m) => m.kind === 'method' && !m.privacy && !m.static && m.description), (m) => `\`${m.name}()\` — ${m.description}`);
  list('Slots', d.slots, (s) => `\`${s.name || '(default)'}\`${s.description ? ` — ${s.description}` : ''}`);
  list('CSS parts', d.cssParts, (p) => `\`${p.name}\`${p.description ? ` — ${p.description}` : ''}`);
  list('CSS properties', d.cssProperties, (p) => `\`${p.name}\`${p.description ? ` — ${p.description}` : ''}`);
  return md(lines.join('\n').trim());
}

export function vscodeData(manifest) {
  const aliases = typeAliases();
  const tags = [];
  for (const mod of manifest.modules) {
    for (const d of mod.declarations ?? []) {
      if (!d.customElement || !d.tagName) continue;
      tags.push({
        name: d.tagName,
        description: describeTag(d),
        attributes: (d.attributes ?? []).map((a) => {
          const type = a.type?.text ?? '';
          const attr = { name: a.name };
          const details = [a.description, type && `Type: \`${type}\``, a.default !== undefined && `Default: \`${a.default}\``].filter(Boolean);
          if (details.length) attr.description = md(details.join('\n\n'));
          if (/^boolean( \| undefined)?$/.test(type)) attr.valueSet = 'v';
          else {
            const values = literalUnion(type, aliases);
            if (values) attr.values = values.map((name) => ({ name }));
          }
          return attr;
        }),
      });
    }
  }
  tags.sort((a, b) => a.name.localeCompare(b.name));
  return { $schema: 'https://raw.githubusercontent.com/microsoft/vscode-html-languageservice/main/docs/customData.schema.json', version: 1.1, tags };
}

const serialize = (json) => `${JSON.stringify(json, null, 2)}\n`;

async function check() {
  // The same arguments as the `analyze` script, so the check and the generator cannot disagree.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const argv = pkg.scripts.analyze.split('&&')[0].trim().split(/\s+/).slice(1).map((a) => a.replace(/^'(.*)'$/, '$1'));
  const { cli } = await import('@custom-elements-manifest/analyzer/cli.js');
  const log = console.log;
  console.log = () => {}; // the analyzer announces every run
  let manifest;
  try {
    manifest = await cli({ argv: [...argv, '--quiet'], cwd: root, noWrite: true });
  } finally {
    console.log = log;
  }
  const stale = [];
  const read = (path) => { try { return readFileSync(path, 'utf8'); } catch { return ''; } };
  // The analyzer's module order varies between runs (files are read concurrently; `analyze`
  // sorts what it writes): compare by path.
  const byPath = (json) => serialize({ ...json, modules: [...(json.modules ?? [])].sort((a, b) => a.path.localeCompare(b.path)) });
  let committed;
  try { committed = JSON.parse(read(MANIFEST)); } catch { committed = {}; }
  if (byPath(committed) !== byPath(manifest)) stale.push(relative(root, MANIFEST));
  if (read(VSCODE) !== serialize(vscodeData(manifest))) stale.push(relative(root, VSCODE));
  if (stale.length) {
    console.error(`analyze: ${stale.join(' and ')} ${stale.length > 1 ? 'are' : 'is'} stale: run \`npm run analyze\` and commit the result.`);
    process.exit(1);
  }
  console.log('analyze: custom-elements.json and vscode.html-custom-data.json are up to date');
}

if (process.argv.includes('--check')) await check();
else {
  // The analyzer writes modules in the order it happened to read them (concurrently): sorted by
  // path, a regenerated manifest differs from the committed one only where the elements did.
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  manifest.modules?.sort((a, b) => a.path.localeCompare(b.path));
  writeFileSync(MANIFEST, serialize(manifest));
  const data = vscodeData(manifest);
  writeFileSync(VSCODE, serialize(data));
  console.log(`vscode-data: ${relative(root, VSCODE)} (${data.tags.map((t) => t.name).join(', ')})`);
}
