import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { en as enPrompt, type MfaStrings } from '../../src/i18n/en.js';
import { enAll as en } from '../../src/i18n/en-all.js';
import { LOCALE_LOADERS } from '../../src/i18n/locale-loaders.js';
import { format, loadLocale, plural, registerLocale, stringsFor } from '../../src/i18n/localize.js';
import ar from '../../src/i18n/locales/ar.js';
import de from '../../src/i18n/locales/de.js';
import es from '../../src/i18n/locales/es.js';
import fr from '../../src/i18n/locales/fr.js';
import he from '../../src/i18n/locales/he.js';
import hi from '../../src/i18n/locales/hi.js';
import it from '../../src/i18n/locales/it.js';
import ja from '../../src/i18n/locales/ja.js';
import ko from '../../src/i18n/locales/ko.js';
import nl from '../../src/i18n/locales/nl.js';
import pl from '../../src/i18n/locales/pl.js';
import ptBr from '../../src/i18n/locales/pt-br.js';
import ru from '../../src/i18n/locales/ru.js';
import tr from '../../src/i18n/locales/tr.js';
import zhCn from '../../src/i18n/locales/zh-cn.js';

const LOCALES: Record<string, MfaStrings> = {
  ar, de, es, fr, he, hi, it, ja, ko, nl, pl, 'pt-br': ptBr, ru, tr, 'zh-cn': zhCn,
};

/** Which built-in locale each loader key must serve. */
const EXPECTED_LOADERS: Record<string, string> = {
  ...Object.fromEntries(Object.keys(LOCALES).map((tag) => [tag, tag])),
  pt: 'pt-br',
  zh: 'zh-cn',
  'zh-hans': 'zh-cn',
};

/**
 * Values that may equal English although the English value is longer than 12 characters.
 * Brand names stay untranslated, but no English value is brand-only, so the only entries are
 * words the language shares with English: French "minute(s)" is spelled as in English.
 */
const SAME_AS_ENGLISH = new Set(['fr minutes.one', 'fr minutes.other']);
const BRANDS = ['Google Authenticator', 'Microsoft Authenticator', '1Password', 'Authy'];

type Tree = { [key: string]: string | Tree };
const isForms = (v: unknown): v is Record<string, string> => typeof v === 'object' && v !== null;
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const unique = (names: string[]) => [...new Set(names)];

/** Every string in `tree` as [dotted key path, value]. */
function leaves(tree: Tree, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [[prefix + k, v] as [string, string]] : leaves(v, `${prefix}${k}.`)));
}

function assertSameKeys(tag: string, actual: Tree, expected: Tree, path = ''): void {
  const a = Object.keys(actual).sort();
  const e = Object.keys(expected).sort();
  const missing = e.filter((k) => !a.includes(k));
  const extra = a.filter((k) => !e.includes(k));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${tag}${path ? `.${path}` : ''}: keys differ from English (missing: ${missing.join(', ') || 'none'}; extra: ${extra.join(', ') || 'none'})`);
  for (const k of e) {
    if (isForms(expected[k]) && !isForms(actual[k])) assert.fail(`${tag}.${path}${k}: must be plural forms like English, got a string`);
    if (!isForms(expected[k]) && typeof actual[k] !== 'string') assert.fail(`${tag}.${path}${k}: must be a string like English`);
    // Plural forms are not compared key by key: their categories are the language's (tested below).
  }
}

test('the locale files on disk are exactly the ones tested here', () => {
  const files = readdirSync(new URL('../../src/i18n/locales/', import.meta.url)).filter((f) => f.endsWith('.ts'));
  assert.deepEqual(files.map((f) => f.replace(/\.ts$/, '')).sort(), Object.keys(LOCALES).sort());
});

for (const [tag, strings] of Object.entries(LOCALES)) {
  const categories = new Intl.PluralRules(tag).resolvedOptions().pluralCategories as string[];
  const locale = strings as unknown as Tree;
  const english = en as unknown as Tree;

  test(`${tag}: same keys as English (no missing, no extra)`, () => {
    assertSameKeys(tag, locale, english);
  });

  test(`${tag}: same {placeholders} as English in every string`, () => {
    for (const [key, value] of Object.entries(english)) {
      const translated = locale[key];
      if (typeof value === 'string') {
        assert.equal(typeof translated, 'string', `${tag}.${key}: not a string`);
        assert.deepEqual(unique(placeholders(translated as string)), unique(placeholders(value)), `${tag}.${key}: placeholders differ from English in ${JSON.stringify(translated)}`);
      } else {
        const expected = unique(placeholders(value.other as string));
        for (const [form, text] of Object.entries(translated as Tree)) {
          assert.equal(typeof text, 'string', `${tag}.${key}.${form}: not a string`);
          assert.deepEqual(unique(placeholders(text as string)), expected, `${tag}.${key}.${form}: placeholders differ from English "other" in ${JSON.stringify(text)}`);
        }
      }
    }
  });

  test(`${tag}: plural forms are exactly the language's categories (${categories.join(', ')})`, () => {
    const allowed = new Set([...categories, 'one', 'other']); // `one` and `other` are required by the type
    for (const [key, value] of Object.entries(english)) {
      if (typeof value === 'string') continue;
      const forms = Object.keys(locale[key] as Tree);
      for (const c of categories) assert.ok(forms.includes(c), `${tag}.${key}: missing plural category "${c}" (has ${forms.join(', ')})`);
      for (const f of forms) assert.ok(allowed.has(f), `${tag}.${key}: plural category "${f}" does not exist in ${tag} (${categories.join(', ')})`);
      for (const f of ['one', 'other']) assert.ok(forms.includes(f), `${tag}.${key}: "${f}" is required by PluralForms`);
    }
  });

  test(`${tag}: every value is translated (not empty, not English)`, () => {
    const englishByKey = new Map(leaves(english));
    for (const [key, value] of leaves(locale)) {
      assert.ok(value.trim() !== '', `${tag}.${key}: empty`);
      assert.equal(value, value.trim(), `${tag}.${key}: leading or trailing whitespace in ${JSON.stringify(value)}`);
      // A plural form without an English twin (few, many…) is compared with English "other".
      const englishValue = englishByKey.get(key) ?? englishByKey.get(key.replace(/\.\w+$/, '.other'));
      if (englishValue === undefined) continue; // a key English lacks: reported by the key test
      if (englishValue.length > 12 && !SAME_AS_ENGLISH.has(`${tag} ${key}`)) {
        assert.notEqual(value, englishValue, `${tag}.${key}: identical to English ${JSON.stringify(englishValue)}`);
      }
    }
  });

  test(`${tag}: the same-as-English exceptions are still needed`, () => {
    const englishByKey = new Map(leaves(english));
    for (const entry of SAME_AS_ENGLISH) {
      const [t, key] = entry.split(' ');
      if (t !== tag) continue;
      assert.equal(new Map(leaves(locale)).get(key), englishByKey.get(key), `SAME_AS_ENGLISH "${entry}" no longer matches English: remove it`);
    }
  });

  test(`${tag}: brand names and the example recovery code are kept as they are`, () => {
    for (const brand of BRANDS) assert.ok(strings.enrollScan.includes(brand), `${tag}.enrollScan: "${brand}" missing or translated`);
    assert.ok(strings.malformedRecoveryCode.includes('abcd-efgh-ijkl-mnop'), `${tag}.malformedRecoveryCode: example code changed`);
  });

  test(`${tag}: the wrong-code and lockout messages format for 0–25 and 100 without leftover placeholders`, () => {
    for (const n of [...Array(26).keys(), 100, 101]) {
      const wrong = plural(tag, strings.wrongCode, n);
      const locked = format(strings.locked, { minutes: plural(tag, strings.minutes, n) });
      for (const text of [wrong, locked]) assert.doesNotMatch(text, /[{}]/, `${tag}: unformatted placeholder for ${n}: ${text}`);
      assert.ok(wrong.includes(new Intl.NumberFormat(tag).format(n)), `${tag}.wrongCode: count ${n} not shown in ${JSON.stringify(wrong)}`);
    }
  });
}

test('every LOCALE_LOADERS key loads the built-in locale it should', async () => {
  assert.deepEqual(Object.keys(LOCALE_LOADERS).sort(), Object.keys(EXPECTED_LOADERS).sort(), 'LOCALE_LOADERS keys');
  for (const [key, load] of Object.entries(LOCALE_LOADERS)) {
    assert.equal(key, key.toLowerCase(), `LOCALE_LOADERS["${key}"]: keys must be lower case (tags are matched lower-cased)`);
    const { default: strings } = await load();
    const tag = Object.entries(LOCALES).find(([, s]) => s === strings)?.[0];
    assert.ok(tag, `LOCALE_LOADERS["${key}"]: default export is not one of the built-in locales`);
    assert.equal(tag, EXPECTED_LOADERS[key], `LOCALE_LOADERS["${key}"] loads ${tag}`);
  }
});

test('loadLocale("de-AT") brings German to stringsFor("de-AT") and every other German region', async () => {
  assert.equal(stringsFor('de-AT').verify, en.verify, 'German before loading');
  assert.equal(await loadLocale('de-AT'), true);
  assert.equal(stringsFor('de-AT').verify, de.verify);
  assert.equal(stringsFor('DE-ch').promptTitle, de.promptTitle);
  assert.equal(await loadLocale('de'), false, 'already loaded');
});

test('language-only and script tags load pt-br and zh-cn', async () => {
  await loadLocale('pt-PT');
  assert.equal(stringsFor('pt-PT').verify, ptBr.verify);
  await loadLocale('zh-Hans');
  assert.equal(stringsFor('zh-Hans').verify, zhCn.verify);
  await loadLocale('pt-BR');
  assert.equal(stringsFor('pt-BR').promptTitle, ptBr.promptTitle);
});

test('an unknown tag stays English and warns once', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  assert.equal(await loadLocale('xx-YY'), false);
  assert.equal(await loadLocale('xx-YY'), false);
  assert.equal(warn.mock.callCount(), 1, 'console.warn calls for loadLocale("xx-YY") twice: expected exactly one warning');
  assert.match(String(warn.mock.calls[0].arguments[0]), /xx-YY/);
  assert.deepEqual(stringsFor('xx-YY'), enPrompt);
});

test('registerLocale overrides one German key and keeps the rest German', async () => {
  await loadLocale('de');
  registerLocale('de', { verify: 'Prüfen!' });
  const strings = stringsFor('de-AT');
  assert.equal(strings.verify, 'Prüfen!');
  for (const [key, value] of Object.entries(de)) {
    if (key !== 'verify') assert.deepEqual(strings[key as keyof MfaStrings], value, `de.${key} after a one-key override`);
  }
});

test('an override is returned verbatim, markup and all (escaping is the renderer’s job)', () => {
  const hostile = '<img src=x onerror=alert(1)>{count}&amp;"\'';
  registerLocale('de', { promptTitle: hostile });
  assert.equal(stringsFor('de').promptTitle, hostile);
  assert.equal(stringsFor('de').verify, 'Prüfen!', 'earlier override kept');
});
