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
  enrollChooseTitle: 'Add a way to confirm it’s you',
  enrollChooseHint: 'Authenticator apps and passkeys are the safest. Text messages can be intercepted: use them as a backup.',
  enrollPhoneTitle: 'Add a phone number',
  phoneLabel: 'Phone number',
  phoneHint: 'International format with the country code, e.g. +1 555 123 4567.',
  channelLabel: 'Get codes by',
  channelSms: 'Text message',
  channelVoice: 'Voice call',
  enrollEmailTitle: 'Add an email address',
  emailLabel: 'Email address',
  sendCode: 'Send code',
  invalidPhone: 'Enter the number in international format: + and the country code, then the number.',
  invalidEmail: 'Enter a valid email address.',
  phoneRestricted: 'Text messages are the least safe way to confirm it’s you. Add an authenticator app or a passkey too, and keep the phone as a backup.',
  enrollPasskeyTitle: 'Add a passkey',
  enrollPasskeyIntro: 'Your device will ask for your fingerprint, face, screen lock or security key.',
  createPasskey: 'Create passkey',
  passkeyFailed: 'The passkey wasn’t created. Try again.',


} as const;
