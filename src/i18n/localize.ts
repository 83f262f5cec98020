/**
 * Formatting of `MfaStrings`: `{name}` placeholders and plural forms via `Intl.PluralRules`.
 * Values are inserted as text by the caller's template (never parsed as HTML).
 */
import { en, type MfaStrings, type PluralForms } from './en.js';

export type { MfaStrings } from './en.js';

export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function plural(locale: string, forms: PluralForms, count: number, values: Record<string, string | number> = {}): string {
  const rule = new Intl.PluralRules(locale).select(count);
  return format(forms[rule] ?? forms.other, { count: new Intl.NumberFormat(locale).format(count), ...values });
}

const locales = new Map<string, MfaStrings>([['en', en]]);

/** Registers a locale (or overrides some strings of one): `registerLocale('de', de)`. */
export function registerLocale(tag: string, strings: Partial<MfaStrings>): void {
  locales.set(tag.toLowerCase(), { ...(locales.get(tag.toLowerCase()) ?? en), ...strings } as MfaStrings);
}

/** Best registered match for a BCP 47 tag (`pt-BR` → `pt-br`, then `pt`, then English). */
export function stringsFor(tag: string | undefined): MfaStrings {
  const lower = (tag ?? 'en').toLowerCase();
  return locales.get(lower) ?? locales.get(lower.split('-')[0]) ?? en;
}

/** Right-to-left scripts among the languages we may ship. */
export const isRtl = (tag: string | undefined): boolean => /^(ar|he|fa|ur|yi|ps|ckb|dv|sd|ug)(-|$)/i.test(tag ?? '');
