/**
 * English strings of `<mfa-authenticators>` only, kept apart from en.ts so that pages which only
 * step up (the size-budgeted prompt path) do not carry them. Locales hold them like any other key.
 */
export const enConsole = {
  /** A refused request because the app session ended (signed out elsewhere, expired); here because every element that can meet it (the prompt's steps, enrollment, the console) loads this module. */
  signedOut: 'You’re no longer signed in. Sign in again, then try once more.',
  consoleTitle: 'Two-step verification',
  consoleIntro: 'These are the ways you confirm it’s you when you do something sensitive.',
  consoleOff: 'Two-step verification is off. Add an authenticator app to protect your account.',
  factorTotp: 'Authenticator app',
  factorHotp: 'Security token',
  factorPhone: 'Text message',
  factorEmail: 'Email',
  factorWebauthn: 'Passkey',
  factorRecovery: 'Recovery code',
  addMethod: 'Add a method',
  renameNamed: 'Rename: {label}',
  removeNamed: 'Remove: {label}',
  addedOn: 'Added {date}',
  lastUsedOn: 'Last used {date}',
  neverUsed: 'Not used yet',
  rename: 'Rename',
  renameLabel: 'New name for {label}',
  save: 'Save',
  remove: 'Remove',
  removeTitle: 'Remove “{label}”?',
  removeBody: 'You will no longer be able to use it to confirm it’s you.',
  removeLast: 'This is your only second factor: removing it turns off two-step verification and deletes your recovery codes.',
  removeLastStrong: 'After this, only text messages or email protect your account, the least safe methods. Add an authenticator app or a passkey first.',
  recoveryLeft: { one: '{count} recovery code left', other: '{count} recovery codes left' },
  recoveryLow: 'You are running out of recovery codes. Generate a new set and store it safely.',
  regenerate: 'Generate new recovery codes',
  regenerateNote: 'Your old recovery codes stop working.',
  regenerateTitle: 'Generate new recovery codes?',
  regenerateConfirm: 'Your current recovery codes stop working as soon as the new ones are made. Have somewhere ready to save the new ones.',
  consoleChanged: 'Your changes are saved.',

} as const;
