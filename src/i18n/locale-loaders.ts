/**
 * Built-in locales other than English, each its own module: the ESM build splits them out and
 * loads one on first use; the IIFE bundles them. Adding a locale = one file + one line here.
 */
import type { MfaStrings } from './en.js';

type Loader = () => Promise<{ default: MfaStrings }>;

const ptBr: Loader = () => import('./locales/pt-br.js');
const zhCn: Loader = () => import('./locales/zh-cn.js');

/** Keys are lower-case tags; a language-only key (`pt`, `zh`) serves every region without its own. */
export const LOCALE_LOADERS: Record<string, Loader> = {
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
  pt: ptBr,
  'pt-br': ptBr,
  ru: () => import('./locales/ru.js'),
  tr: () => import('./locales/tr.js'),
  zh: zhCn,
  'zh-cn': zhCn,
  'zh-hans': zhCn,
};
