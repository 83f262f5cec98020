// wtr serves ES modules only; a few dependencies ship CommonJS (qrcode; React later).
// This plugin bundles each such specifier to ESM once with esbuild when the server starts and
// serves the result from memory (TOOLCHAIN.md: the plugin that proved itself for React).
import { build } from 'esbuild';

export function cjsPrebundlePlugin(specifiers) {
  const files = new Map();
  const prefix = '/__cjs__/';
  return {
    name: 'cjs-prebundle',
    async serverStart() {
      const result = await build({
        entryPoints: Object.fromEntries(Object.entries(specifiers).map(([spec, entry]) => [spec.replace(/[^\w]/g, '_'), entry])),
        bundle: true, format: 'esm', splitting: true, write: false, outdir: '/out',
        define: { 'process.env.NODE_ENV': '"development"' }, logLevel: 'warning',
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
