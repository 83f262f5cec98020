/**
 * Built-in locales other than English, each its own module: bundlers split them out and load
 * one on first use (the import paths must stay literal for that). Adding a locale = one file in
 * locales/, one line here and one in locale-files.ts.
 */
import type { MfaStrings } from './en.js';
import { LOCALE_FILES } from './locale-files.js';

export type Loader = () => Promise<{ default: MfaStrings }>;

const FILES: Record<string, Loader> = {
  ar: () => import('./locales/ar.js'),
  de: () => import('./locales/de.js'),
  es: () => import('./locales/es.js'),
  fr: () => import('./locales/fr.js'),
  he: () => import('./locales/he.js'),
  hi: () => import('./locales/hi.js'),
  it: () => import('./locales/it.js'),
  ja: () => import('./locales/ja.js'),
  ko: () => import('./locales/ko.js'),
  nl: () => import('./locales/nl.js'),
  pl: () => import('./locales/pl.js'),
  'pt-br': () => import('./locales/pt-br.js'),
  ru: () => import('./locales/ru.js'),
  tr: () => import('./locales/tr.js'),
  'zh-cn': () => import('./locales/zh-cn.js'),
};

/** Lower-case tag → loader of the file that serves it. */
export const LOCALE_LOADERS: Record<string, Loader> = Object.fromEntries(
  Object.entries(LOCALE_FILES).map(([tag, file]) => [tag, FILES[file]]),
);
