/**
 * The script-tag bundle's own URL, which its companion files (locales, the prompt's steps, the
 * passkey ceremony) are loaded beside. `document.currentScript` is set only while the script
 * first runs, so this is read then: the IIFE entry imports this module first (bundle-iife.ts),
 * before any lazily evaluated loader needs it.
 */
export const scriptBase: string | undefined =
  (typeof document !== 'undefined' && (document.currentScript as HTMLScriptElement | null)?.src) || globalThis.location?.href;
