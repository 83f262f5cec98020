/**
 * Which built-in locale file serves which lower-case tag. A language-only key (`pt`, `zh`) serves
 * every region without its own. Shared by both loaders (locale-loaders.ts, locale-loaders.url.ts).
 */
export const LOCALE_FILES: Record<string, string> = {
  ar: 'ar', de: 'de', es: 'es', fr: 'fr', he: 'he', hi: 'hi', it: 'it', ja: 'ja', ko: 'ko',
  nl: 'nl', pl: 'pl', pt: 'pt-br', 'pt-br': 'pt-br', ru: 'ru', tr: 'tr', zh: 'zh-cn', 'zh-cn': 'zh-cn', 'zh-hans': 'zh-cn',
};
