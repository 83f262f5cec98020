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
  useRecoveryCode: 'Use a recovery code',
  useAuthenticator: 'Use your authenticator app',
  loading: 'Loading…',
  tryAgain: 'Try again',
  wrongCode: { one: 'That code didn’t work. {count} attempt left.', other: 'That code didn’t work. {count} attempts left.' },
  malformedCode: 'Enter the {digits}-digit code from your authenticator app.',
  malformedRecoveryCode: 'Enter a recovery code like abcd-efgh-ijkl-mnop.',
  locked: 'Too many wrong codes. Try again in {minutes}.',
  expired: 'This request has expired. Start again.',
  notEnrolled: 'Set up two-step verification first.',
  enrollFirst: 'To continue, set up two-step verification first. It takes a minute.',
  nextCodeHint: 'Almost done. When your app shows a new code, enter it to continue.',
  networkError: 'We couldn’t reach the server. Check your connection and try again.',
  serverError: 'Something went wrong on our side. Try again.',
  minutes: { one: '{count} minute', other: '{count} minutes' },

  enrollTitle: 'Set up your authenticator app',
  enrollScan: 'Scan this QR code with an authenticator app such as Google Authenticator, Microsoft Authenticator, 1Password or Authy.',
  enrollQrAlt: 'QR code to add this account to an authenticator app',
  enrollManual: 'Can’t scan it? Enter this key in the app:',
  enrollOpenApp: 'Open in an authenticator app on this device',
  enrollCodePrompt: 'Then enter the {digits}-digit code the app shows.',
  enrollCodeLabel: 'Code from the app',
  enrollConfirm: 'Confirm',
  copy: 'Copy',
  copied: 'Copied',
  secretLabel: 'Setup key',
  recoveryTitle: 'Save your recovery codes',
  recoveryIntroEnroll: 'If you lose your phone, each of these codes lets you in once. Store them somewhere safe: they are shown only now.',
  recoveryListLabel: 'Recovery codes',
  download: 'Download',
  done: 'Done',
  recoveryFileHeader: 'Recovery codes — each can be used once.',
} as const;

export type PluralForms = { one: string; other: string } & Partial<Record<Intl.LDMLPluralRule, string>>;

/** Strings stay strings; plural objects accept every CLDR category a language needs. */
type Widen<T> = T extends string ? string : T extends { other: string } ? PluralForms : { [K in keyof T]: Widen<T[K]> };

/** The shape every locale implements. */
export type MfaStrings = Widen<typeof en>;
