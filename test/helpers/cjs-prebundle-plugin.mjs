// wtr serves ES modules only; a few dependencies ship CommonJS (qrcode; React 19).
// This plugin bundles each such specifier to ESM once with esbuild when the server starts and
// serves the result from memory (TOOLCHAIN.md: the plugin that proved itself for React).
// esbuild turns a CommonJS entry into a default export only, so each entry is wrapped in a small
// module that also re-exports its names (read by requiring the package in Node): `import
// { createRoot } from 'react-dom/client'` works like with a bundler. One build with shared chunks
// keeps a single copy of each package (one React for react, react-dom and the JSX runtime).
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const requireFromRoot = createRequire(join(process.cwd(), 'package.json'));
const identifier = /^[A-Za-z_$][\w$]*$/;

/** Wraps `cjs-entry:<specifier>` in an ES module with a default export and the named ones. */
const namedExports = {
  name: 'cjs-named-exports',
  setup(b) {
    b.onResolve({ filter: /^cjs-entry:/ }, (args) => ({ path: args.path.slice('cjs-entry:'.length), namespace: 'cjs-entry' }));
    b.onLoad({ filter: /.*/, namespace: 'cjs-entry' }, (args) => {
      const names = Object.keys(requireFromRoot(args.path)).filter((n) => identifier.test(n) && n !== 'default');
      const spec = JSON.stringify(args.path);
      return {
        contents: `import m from ${spec};\nexport default m;\n${names.length ? `export const { ${names.join(', ')} } = m;\n` : ''}`,
        resolveDir: process.cwd(),
        loader: 'js',
      };
    });
  },
};

export function cjsPrebundlePlugin(specifiers) {
  const files = new Map();
  const prefix = '/__cjs__/';
  return {
    name: 'cjs-prebundle',
    async serverStart() {
      const result = await build({
        entryPoints: Object.fromEntries(Object.entries(specifiers).map(([spec, entry]) => [spec.replace(/[^\w]/g, '_'), `cjs-entry:${entry}`])),
        bundle: true, format: 'esm', splitting: true, write: false, outdir: '/out',
        define: { 'process.env.NODE_ENV': '"development"' }, logLevel: 'warning',
        plugins: [namedExports],
      });
      for (const file of result.outputFiles) files.set(prefix + file.path.slice('/out/'.length), file.text);
    },
    resolveImport({ source }) {
      if (source in specifiers) return `${prefix}${source.replace(/[^\w]/g, '_')}.js`;
    },
    serve(context) {
      if (files.has(context.path)) return { body: files.get(context.path), type: 'js' };
    },
  };
}
