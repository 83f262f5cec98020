/**
 * English strings, bundled. Every locale implements `MfaStrings` (same keys, same placeholders).
 * Placeholders are `{name}`; plural forms are chosen with `Intl.PluralRules` by `plural()`.
 */
export const en = {
  promptTitle: 'Confirm it’s you',
  promptIntro: 'Enter the code from your authenticator app to continue.',
  recoveryIntro: 'Enter one of the recovery codes you saved when you set up two-step verification.',
  codeLabel: 'Verification code',
  recoveryCodeLabel: 'Recovery code',
  verify: 'Verify',
  verifying: 'Checking…',
  cancel: 'Cancel',
  close: 'Close',
  useAnotherMethod: 'Use another method',
  loading: 'Loading…',
  tryAgain: 'Try again',
  wrongCode: { one: 'That code didn’t work. {count} attempt left.', other: 'That code didn’t work. {count} attempts left.' },
  malformedCode: 'Enter the {digits}-digit code from your authenticator app.',
  malformedRecoveryCode: 'Enter a recovery code like abcd-efgh-ijkl-mnop.',
  locked: 'Too many wrong codes. Try again in {minutes}.',
  expired: 'This request has expired. Start again.',
  networkError: 'We couldn’t reach the server. Check your connection and try again.',
  serverError: 'Something went wrong on our side. Try again.',
  minutes: { one: '{count} minute', other: '{count} minutes' },

} as const;

export type PluralForms = { one: string; other: string } & Partial<Record<Intl.LDMLPluralRule, string>>;

/** Strings stay strings; plural objects accept every CLDR category a language needs. */
type Widen<T> = T extends string ? string : T extends { other: string } ? PluralForms : { [K in keyof T]: Widen<T[K]> };

/** The shape every locale implements: the prompt's strings (here), its lazy steps', enrollment's and the console's. */
export type MfaStrings = Widen<
  typeof en & typeof import('./en-enroll.js').enEnroll & typeof import('./en-console.js').enConsole & typeof import('./en-steps.js').enSteps
  & typeof import('./en-details.js').enDetails
>;
