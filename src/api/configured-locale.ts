/**
 * The page-wide locale set by `configure({ locale })`, read by the promise API. Its own module so
 * configure.ts and open-auth-idp-modal.ts do not import each other (a cycle Rollup warns about).
 */
let locale: string | undefined;

export const configuredLocale = (): string | undefined => locale;

export function setConfiguredLocale(value: string): void {
  locale = value;
}
