/**
 * The script-tag bundle's locale loaders (swapped in for locale-loaders.ts by scripts/build.mjs):
 * the IIFE stays one file for all code and English, and fetches another language's strings
 * from `locales/<file>.js` beside itself on first use — bundling all 15 would nearly double it.
 */
import type { Loader } from './locale-loaders.js';
import { LOCALE_FILES } from './locale-files.js';
import { scriptBase as base } from '../core/script-base.js';


export const LOCALE_LOADERS: Record<string, Loader> = Object.fromEntries(
  Object.entries(LOCALE_FILES).map(([tag, file]) => [tag, () => import(/* @vite-ignore */ new URL(`locales/${file}.js`, base).href)]),
);
