/**
 * English strings of the prompt's lazily loaded steps (server-sent codes and their countdown,
 * questions, choices, pictures, passkeys, the "another method" list), kept apart from en.ts so
 * the size-budgeted prompt path does not carry them. Enrollment shows the sent-code ones too.
 */
export const enSteps = {
  back: 'Back',
  nextCodeHint: 'Almost done. When your app shows a new code, enter it to continue.',
  methodsTitle: 'Choose another way to confirm it’s you',
  codeSentTo: 'Enter the 6-digit code we sent to {to}.',
  sentCodeLabel: 'Code we sent you',
  resend: 'Send a new code',
  resendIn: 'Send a new code in {time}',
  codeResent: 'We sent a new code. The previous one no longer works.',
  deliveryFailed: 'We couldn’t send the code. Try sending a new one.',
  noMoreCodes: 'No more codes can be sent right now. Try again later.',
  passkeyIntro: 'Use your passkey or security key to confirm it’s you.',
  passkeyRequired: 'This step needs a passkey, which can’t be tricked by fake sites. You don’t have one on this account yet.',
  addPasskey: 'Add a passkey',
  usePasskey: 'Use passkey',
  passkeyWaiting: 'Waiting for your passkey…',
  passkeyCancelled: 'The passkey check was cancelled or timed out. Try again or choose another method.',
  passkeyUnsupported: 'This browser can’t use passkeys. Choose another method.',
  invalidCredential: 'That passkey couldn’t be verified. Try again.',
  answerLabel: 'Your answer',
  emptyAnswer: 'Type your answer.',
  chooseOption: 'Choose one of the options.',
  wrongAnswer: { one: 'That answer didn’t work. {count} attempt left.', other: 'That answer didn’t work. {count} attempts left.' },
  questionsIntro: 'Answer the questions to continue.',
  codeUsed: 'That code was already used. Wait for a new one.',
  lockedUntil: 'Too many wrong codes. Try again in {minutes} ({time}).',
  passkeyNeedsDomain: 'Passkeys need a site name such as localhost, not an IP address like 127.0.0.1. Open this page by its name and try again.',
  enrollFirst: 'To continue, set up two-step verification first. It takes a minute.',

} as const;
