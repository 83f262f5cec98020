import { build } from 'esbuild';
import { brotliCompressSync, constants } from 'node:zlib';
import { common } from '/work/main/scripts/esbuild-options.mjs';
const brotli = (text) => brotliCompressSync(Buffer.from(text), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const result = await build({ ...common, sourcemap: false, write: false, metafile: true,
  stdin: { contents: "export { openAuthIdpModal } from './src/index.ts';", resolveDir: process.cwd(), loader: 'ts', sourcefile: 'prompt-path.ts' },
  outdir: 'size-out', format: 'esm', splitting: true });
const outputs = result.metafile.outputs;
const files = new Map(result.outputFiles.map((f) => [f.path.slice(process.cwd().length + 1), f.text]));
for (const [k, o] of Object.entries(outputs)) {
  if (k.endsWith('.map')) continue;
  const ins = Object.entries(o.inputs).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput).slice(0,6).map(([p,v])=>`${p.replace('src/','')}:${v.bytesInOutput}`).join(' ');
  console.log(k, o.bytes, brotli(files.get(k)), 'imports:', o.imports.map(i=>i.kind[0]+':'+i.path.slice(9)).join(','), '\n   ', ins);
}
