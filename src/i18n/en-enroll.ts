/**
 * English strings of `<mfa-enroll>` (and the recovery codes it shows, which the console shows
 * too), kept apart from en.ts so the size-budgeted prompt path does not carry them.
 */
export const enEnroll = {
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
