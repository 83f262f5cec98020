/**
 * Built-in locales other than English, each its own module: the ESM build splits them out and
 * loads one on first use; the IIFE bundles them. Adding a locale = one file + one line here.
 */
import type { MfaStrings } from './en.js';

type Loader = () => Promise<{ default: MfaStrings }>;

export const LOCALE_LOADERS: Record<string, Loader> = {};
