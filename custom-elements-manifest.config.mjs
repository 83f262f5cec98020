// Options of `cem analyze` (npm run analyze; the arguments are in package.json): a last step that
// makes custom-elements.json describe the package as shipped (docs/packaging.md):
//  - module paths are the published files (dist/**/*.js), not the TypeScript sources;
//  - dist/define.js, the module that registers the elements, has one `custom-element-definition`
//    export per tag (test/unit/manifest.test.ts compares them with what it really registers);
//  - a class without a tag (the shared modal base class) is a class, not a custom element;
//  - events are DOM event names: an identifier the analyzer took for one (the context object
//    passed to a ContextEvent) is dropped;
//  - internal reactive state (`{ state: true }` in a class's static `properties`) is not API: no
//    attribute, no member.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

/** Names declared `{ state: true }` in the static `properties` of the source file at `path`. */
function stateNames(path) {
  let text;
  try {
    text = readFileSync(path.replace(/^\//, ''), 'utf8');
  } catch {
    return new Set();
  }
  return new Set([...text.matchAll(/^\s+(\w+): \{ state: true \}/gm)].map((m) => m[1]));
}

const shipped = (path) => path.replace(/^\/?src\//, 'dist/').replace(/\.ts$/, '.js');

function shippedManifest() {
  return {
    name: 'mfa-shipped-manifest',
    packageLinkPhase({ customElementsManifest: manifest }) {
      manifest.modules = manifest.modules.filter((m) => m.path !== 'src/bundle-iife.ts'); // not published
      const definitions = [];
      for (const mod of manifest.modules) {
        const source = mod.path;
        mod.path = shipped(source);
        const fix = (node) => {
          if (Array.isArray(node)) return node.forEach(fix);
          if (!node || typeof node !== 'object') return;
          if (typeof node.module === 'string') {
            node.module = node.module.startsWith('.') ? shipped(posix.join(posix.dirname(source), node.module)) : shipped(node.module);
          }
          Object.values(node).forEach(fix);
        };
        fix(mod.declarations);
        fix(mod.exports);
        mod.exports = mod.exports?.filter((e) => e.kind !== 'custom-element-definition'); // defineElement's own `tag` parameter
        const states = stateNames(source);
        for (const d of mod.declarations ?? []) {
          if (states.size) {
            d.attributes = d.attributes?.filter((a) => !states.has(a.fieldName));
            d.members = d.members?.filter((m) => !states.has(m.name));
          }
          if (d.customElement && !d.tagName) delete d.customElement;
          if (d.events) d.events = d.events.filter((e) => /^[a-z][a-z0-9-]*$/.test(e.name));
          if (d.customElement) definitions.push({ kind: 'custom-element-definition', name: d.tagName, declaration: { name: d.name, module: mod.path } });
        }
      }
      const define = manifest.modules.find((m) => m.path === 'dist/define.js');
      define.exports = definitions.sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}

export default { plugins: [shippedManifest()] };
