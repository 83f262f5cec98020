/**
 * English strings of the prompt's "You are confirming" block (elements/mfa-prompt/prompt-details.ts),
 * loaded with it only when a step-up names a transaction or a title.
 */
export const enDetails = {
  confirmingHeading: 'You are confirming',
  /** Title of a step-up that confirms a transaction the app or server described, when it gave no title. */
  confirmRequestTitle: 'Confirm this request',
  /** Titles by action name, used when the server gave none. */
  titleTransfer: 'Confirm the transfer',
  titlePay: 'Confirm the payment',
  titleWithdraw: 'Confirm the withdrawal',
  titleDelete: 'Confirm the deletion',
  /** Translations of common detail labels; any other label is shown as the server wrote it. */
  labelAmount: 'Amount',
  labelTo: 'To',
  labelFrom: 'From',
  labelPayee: 'Payee',
  labelAccount: 'Account',
  labelReference: 'Reference',
} as const;
