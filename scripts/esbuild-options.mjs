// esbuild settings of the shipped bundles (scripts/build.mjs).
import { readFile } from 'node:fs/promises';

/**
 * Minifies the CSS inside Lit's css`…` templates (bundlers leave template text alone): comments
 * go, whitespace collapses. Our styles contain no strings where spacing matters beyond one space.
 * Applied to the element sources (src/elements/**) when esbuild bundles them and to their tsc
 * output in dist/elements/; every css`…` there is plain CSS without interpolations.
 */
export const minifyCssTemplates = (source) => source.replace(/\bcss\s*`([^`]*)`/g, (_, body) => 'css`' + body
  .replace(/\/\*[\s\S]*?\*\//g, '')
  .replace(/\s+/g, ' ')
  .replace(/\s*([{};,>])\s*/g, '$1')
  // `color: red` → `color:red`, `calc(a / 2)` → `calc(a/2)`, ` !important`: whitespace CSS never needs.
  .replace(/:\s+/g, ':')
  .replace(/\s*\/\s*/g, '/')
  .replace(/\s+!important/g, '!important')
  .replace(/;}/g, '}')
  // `0.5rem` → `.5rem`: a leading zero CSS never needs (not after a letter, digit, dot, `#` or `-`).
  .replace(/(^|[^\w.#-])0\.(\d)/g, '$1.$2')
  .trim() + '`');

const minifyLitCss = {
  name: 'minify-lit-css',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]elements[\\/].+\.ts$/ }, async (args) => ({ contents: minifyCssTemplates(await readFile(args.path, 'utf8')), loader: 'ts' }));
  },
};

export const common = {
  bundle: true,
  minify: true,
  // No source maps in the package (docs/packaging.md).
  sourcemap: false,
  target: 'es2022',
  tsconfig: 'tsconfig.json',
  legalComments: 'none',
  // UTF-8 as is: escaping every non-Latin character (Arabic, Hindi, CJK locales) as \uXXXX triples their size.
  charset: 'utf8',
  logLevel: 'warning',
  plugins: [minifyLitCss],
};


/**
 * The IIFE loads other locales, the prompt's extra steps and the passkey ceremony by URL instead
 * of bundling them (src/i18n/locale-loaders.url.ts, src/elements/shared/lazy.url.ts).
 */
const urlLoaders = {
  name: 'url-loaders',
  setup(b) {
    b.onResolve({ filter: /\/(locale-loaders|lazy)\.js$/ }, (args) => ({
      path: `${args.resolveDir}/${args.path.replace(/^\.\//, '').replace(/\.js$/, '.url.ts')}`,
    }));
  },
};

export const iifeOptions = {
  entryPoints: ['src/bundle-iife.ts'],
  format: 'iife',
  globalName: 'MfaElements',
  plugins: [...common.plugins, urlLoaders],
};

/**
 * The IIFE's companion modules, fetched from beside it (lazy.url.ts): self-contained ES modules
 * (no splitting, so the passkey code is inside the steps file too) without Lit of their own. The QR
 * encoder is one too: ~7 KB brotli that only enrollment needs, kept out of the script-tag bundle.
 */
export const iifeCompanions = {
  entryPoints: { 'mfa-prompt-steps': 'src/elements/mfa-prompt/prompt-steps.ts', 'mfa-passkeys': 'src/elements/shared/passkeys.ts', 'mfa-qr': 'src/elements/mfa-enroll/qr-encoder.ts' },
  format: 'esm',
};
