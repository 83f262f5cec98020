/**
 * Formatting of `MfaStrings`: `{name}` placeholders and plural forms via `Intl.PluralRules`.
 * Values are inserted as text by the caller's template (never parsed as HTML).
 *
 * Strings for a tag are English ← the built-in locale (once loaded) ← the app's overrides, per
 * key, so a partial override or an incomplete locale still shows every string.
 */
import { en, type MfaStrings, type PluralForms } from './en.js';
import { LOCALE_FILES } from './locale-files.js';

export type { MfaStrings, PluralForms } from './en.js';

export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function plural(locale: string, forms: PluralForms, count: number, values: Record<string, string | number> = {}): string {
  const rule = new Intl.PluralRules(locale).select(count);
  return format(forms[rule] ?? forms.other, { count: new Intl.NumberFormat(locale).format(count), ...values });
}

const builtIn = new Map<string, Partial<MfaStrings>>([['en', en]]);
const overrides = new Map<string, Partial<MfaStrings>>();
const merged = new Map<string, MfaStrings>();
const warned = new Set<string>();

/** The registered tag that serves `tag`: exact (`pt-br`), then language (`pt`), then `en`. */
function match(tag: string | undefined, has: (t: string) => boolean): string {
  const lower = (tag || 'en').toLowerCase();
  if (has(lower)) return lower;
  const language = lower.split('-')[0];
  return has(language) ? language : 'en';
}

/** Overrides any strings of a locale (or adds one): `registerLocale('de', { verify: 'Prüfen' })`. */
export function registerLocale(tag: string, strings: Partial<MfaStrings>): void {
  const key = tag.toLowerCase();
  overrides.set(key, { ...overrides.get(key), ...strings });
  merged.clear();
}

/** Strings for a BCP 47 tag, synchronously, with whatever is loaded now. */
export function stringsFor(tag: string | undefined): MfaStrings {
  const key = match(tag, (t) => builtIn.has(t) || overrides.has(t));
  let strings = merged.get(key);
  if (!strings) {
    strings = { ...en, ...builtIn.get(key), ...overrides.get(key) } as MfaStrings;
    merged.set(key, strings);
  }
  return strings;
}

/**
 * Loads the built-in locale for `tag` if there is one and it is not loaded yet. Resolves true
 * when something new arrived (the caller re-renders). An unknown tag warns once and stays English.
 */
export async function loadLocale(tag: string | undefined): Promise<boolean> {
  const known = (t: string) => t === 'en' || Object.hasOwn(LOCALE_FILES, t);
  const key = match(tag, known);
  const lower = (tag || 'en').toLowerCase();
  // match() falls back to English; a tag that is not English really asked for something we lack.
  if (key === 'en' && !/^en(-|$)/.test(lower)) {
    if (!warned.has(lower) && !overrides.has(lower) && !overrides.has(lower.split('-')[0])) {
      warned.add(lower);
      console.warn(`[mfa-elements] no strings for locale "${tag}"; using English. registerLocale() can add them.`);
    }
    return false;
  }
  if (builtIn.has(key)) return false;
  // The loaders (one dynamic import per locale, each a chunk name a bundler writes in full) come
  // in their own small chunk, so a page in English carries none of them (docs/performance.md).
  const { LOCALE_LOADERS } = await import('./locale-loaders.js');
  builtIn.set(key, (await LOCALE_LOADERS[key]()).default);
  merged.clear();
  return true;
}

/** Right-to-left scripts among the languages we may ship. */
export const isRtl = (tag: string | undefined): boolean => /^(ar|he|fa|ur|yi|ps|ckb|dv|sd|ug)(-|$)/i.test(tag ?? '');
