// A TypeScript app without any framework: the API, the elements, typed events.
import { configure, isMfaError, MfaClient, MfaPrompt, openAuthIdpModal, promptForMFA, type IdpAuthResponse, type IdpErrorReason } from 'mfa-elements';
import 'mfa-elements/define.js';
import { tecton } from 'mfa-elements/compat/q2';
import de from 'mfa-elements/locales/de';

configure({ apiBase: '/mfa', locale: 'de' });
const client = new MfaClient({ apiBase: '/mfa', credentials: 'include' });

// HTMLElementTagNameMap: querySelector / createElement know the element classes.
const found: MfaPrompt | null = document.querySelector('mfa-prompt');
const prompt = document.createElement('mfa-prompt');
prompt.resource = 'payments';
prompt.action = 'transfer';
prompt.client = client;
prompt.show();
// @ts-expect-error resource is a string
prompt.resource = 42;
const enroll = document.createElement('mfa-enroll');
enroll.type = 'totp';

// GlobalEventHandlersEventMap: the events carry typed details.
prompt.addEventListener('resolve', (e) => {
  const sid: string | undefined = e.detail.sid;
  const ok: boolean = e.detail.success;
  void [sid, ok];
});
prompt.addEventListener('mfa-error', (e) => {
  const left: number | undefined = e.detail.attemptsLeft;
  void left;
});
document.body.addEventListener('reject', (e) => {
  // @ts-expect-error error is a string, not a number
  const reason: number = e.detail.error;
  void reason;
});

// The promise API.
const outcome: IdpAuthResponse = await openAuthIdpModal({ resource: 'payments', action: 'transfer', forceStepUp: true });
// A discriminated union: success narrows `sid` to a string, failure `error` to a reason.
if (outcome.success) {
  const sid: string = outcome.sid;
  void sid;
} else {
  const why: IdpErrorReason = outcome.error;
  // @ts-expect-error a failure has no sid
  const none: string = outcome.sid;
  void [why, none];
}
// @ts-expect-error action is required
void openAuthIdpModal({ resource: 'payments' });
await promptForMFA({ message: 'Confirm' }).catch((err: unknown) => (isMfaError(err) ? err.code : 'unknown'));
await tecton.sources.promptForMFA();

const strings: string | undefined = de.promptTitle;
void [found, outcome, strings];
