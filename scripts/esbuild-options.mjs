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

/**
 * The line breaks and indentation inside the dialog frame's and the prompt's html`…` templates
 * (bundlers leave template text alone): gone next to a tag, one space elsewhere (between
 * attributes, between two bindings). Fewer bytes and no whitespace text nodes for Lit to clone and
 * the first layout to walk (docs/performance.md "Time to open"). Only files listed here: their
 * templates put elements on separate lines only inside blocks, flex and grid containers, where that
 * whitespace is never rendered (between inline elements it would be a visible space).
 */
export const HTML_TRIMMED = /(shared[\\/]modal-element|mfa-prompt[\\/]prompt-view)\.(ts|js)$/;
export function trimHtmlTemplates(source) {
  let out = '';
  let i = 0;
  const trim = (text) => text.replace(/(.?)[ \t]*\n\s*(.?)/g, (_, before, after) => before + (before == '>' || after == '<' ? '' : ' ') + after);
  // A template literal from its opening backtick: its text trimmed when `html` tags it, its
  // `${…}` expressions copied (with the templates inside them handled the same way).
  const template = (tagged) => {
    out += source[i++];
    let text = '';
    while (i < source.length) {
      const c = source[i];
      if (c == '\\') text += source[i++] + source[i++];
      else if (c == '`' || (c == '$' && source[i + 1] == '{')) {
        out += tagged ? trim(text) : text;
        text = '';
        if (c == '`') return void (out += source[i++]);
        out += '${';
        i += 2;
        code(1);
      } else text += source[i++];
    }
    out += text;
  };
  // Code until the brace that closes `depth` (0: the whole file): strings skipped, templates handled.
  const code = (depth) => {
    while (i < source.length) {
      const c = source[i];
      if (c == '`') template(/\bhtml\s*$/.test(source.slice(Math.max(0, i - 10), i)));
      else if (c == '"' || c == "'") {
        const end = source.indexOf(c, i + 1);
        out += source.slice(i, end + 1);
        i = end + 1;
      } else if (c == '/' && (source[i + 1] == '/' || source[i + 1] == '*')) {
        const end = source[i + 1] == '/' ? source.indexOf('\n', i) : source.indexOf('*/', i) + 2;
        out += source.slice(i, end);
        i = end;
      } else {
        if (c == '{') depth++;
        else if (c == '}' && --depth == 0) return void (out += source[i++]);
        // (at the top level depth starts below zero, so it never returns early)
        out += source[i++];
      }
    }
  };
  code(-Infinity);
  return out;
}

const minifyLitCss = {
  name: 'minify-lit-css',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]elements[\\/].+\.ts$/ }, async (args) => {
      const source = minifyCssTemplates(await readFile(args.path, 'utf8'));
      return { contents: HTML_TRIMMED.test(args.path) ? trimHtmlTemplates(source) : source, loader: 'ts' };
    });
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

/**
 * V8's explicit compile hint (Chromium ≥ 136; other engines read a comment): on the first line of a
 * script it has every function compiled while the file streams in, on a background thread, instead
 * of on the main thread the first time each is called. The script-tag bundle's functions are
 * mostly called when the prompt opens, so that compile work left the time to open (about a
 * quarter of it on our bench machine) without adding to the time from navigation
 * (docs/performance.md "Time to open"). Only this file: the ES modules reach apps through their
 * bundlers, which drop comments.
 */
export const COMPILE_HINT = '//# allFunctionsCalledOnLoad';

export const iifeOptions = {
  entryPoints: ['src/bundle-iife.ts'],
  format: 'iife',
  globalName: 'MfaElements',
  banner: { js: COMPILE_HINT },
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
