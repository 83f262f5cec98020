// The demo page's own script: everything MFA goes through the global `MfaElements`.
import { describeEvent, showOutbox } from './demo-session.js';
const $ = (id) => document.getElementById(id);
const { mfaFetch, openAuthConsoleModal } = window.MfaElements;

function say(text) {
  $('result').textContent = text;
}

/** A lockout's end as the user's clock says it ("14:32"); a minute's margin when the server named none. */
const timeOf = (at) => new Date(at ?? Date.now() + 60_000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** What to tell the user when a step-up did not happen (`mfaReason` on the 401 mfaFetch returns). */
function whyNot(what, response, body) {
  switch (response.mfaReason) {
    case 'cancelled': return `${what} cancelled. Nothing was changed.`;
    case 'not_enrolled': return `${what} needs two-step verification. Set up an authenticator app, a passkey, a phone or an email first.`;
    case 'locked': return `${what} not done: too many wrong codes. Try again after ${timeOf(response.mfaRetryAt)}, or use a recovery code.`;
    case 'expired': return `${what} not done: the check took too long. Try again.`;
    case 'network': return `${what} not done: we couldn't reach the server. Check your connection and try again.`;
    case 'denied': return `${what} not done: sign in again, then retry.`;
    case 'server': return `${what} not done: something went wrong on our side. Try again in a moment.`;
    default: return `${what} not done: ${body.error?.message ?? 'something went wrong'}`;
  }
}

/** A user without any method: the message comes with the way to set one up. */
function offerSetup(response) {
  $('setup-offer').hidden = response.mfaReason !== 'not_enrolled';
  if (!$('setup-offer').hidden) $('setup-offer-button').focus();
}

const KIND = { totp: 'Authenticator app', webauthn: 'Passkey', phone: 'Phone', email: 'Email address' };

async function refresh() {
  const me = await fetch('/demo/me').then((r) => r.json()).then((m) => (m.username ? m : null));
  $('signed-out').hidden = !!me;
  $('signed-in').hidden = !me;
  if (!me) return;
  $('who').textContent = me.username;
  await refreshOutbox();
  const { events } = await fetch('/demo/audit').then((r) => r.json());
  $('audit').replaceChildren(
    ...events.map((e) => {
      const li = document.createElement('li');
      li.textContent = describeEvent(e);
      return li;
    }),
  );
}

/** The dev outbox: newest first, refreshed every few seconds while signed in (codes arrive here). */
const refreshOutbox = () => showOutbox($('outbox'), 5).catch(() => {}); // offline: the next tick tries again
setInterval(() => !$('signed-in').hidden && void refreshOutbox(), 3000);

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch('/demo/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: $('username').value }),
  });
  if (!response.ok) return say((await response.json()).error.message);
  say('');
  await refresh();
  $('enroll-button').focus();
});

$('enroll-button').addEventListener('click', () => $('enroll').show());
$('setup-offer-button').addEventListener('click', () => $('enroll-any').show());
$('enroll').addEventListener('resolve', () => {
  say('Authenticator app added.');
  $('setup-offer').hidden = true;
  void refresh();
});
$('add-method-button').addEventListener('click', () => $('enroll-any').show());
$('enroll-any').addEventListener('resolve', (e) => {
  say(`${KIND[e.detail.factorType] ?? 'Method'} added.`);
  $('setup-offer').hidden = true;
  void refresh();
});
// The console lists, renames and removes factors; changes step up by themselves (mfa/manage).
$('console-button').addEventListener('click', async () => {
  await openAuthConsoleModal();
  void refresh();
});

/** $100, $12.50: whole dollars without cents, as the button and the result say them. */
const dollars = (amount) => (Number.isInteger(amount) ? `$${amount}` : `$${amount.toFixed(2)}`);

// The button says what it will do; the prompt will show the same amount and payee.
const transferInput = () => ({ amount: Number($('transfer-amount').value) || 100, to: $('transfer-to').value.trim() || 'Savings' });
const labelTransfer = () => {
  const { amount, to } = transferInput();
  $('transfer-button').textContent = `Transfer ${dollars(amount)} to ${to}`;
};
$('transfer-amount').addEventListener('input', labelTransfer);
$('transfer-to').addEventListener('input', labelTransfer);

// mfaFetch answers the server's step-up challenge by opening the prompt, then retries. The route
// is bound to the transaction: the prompt shows amount and payee, and the token approves only them.
$('transfer-button').addEventListener('click', async () => {
  const response = await mfaFetch('/api/transfer', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(transferInput()),
  });
  const body = await response.json();
  // A 400 names no transaction the server could show for confirmation (no payee, an amount below a cent).
  say(response.ok ? `Transferred ${dollars(body.transfer.amount)} to ${body.transfer.to}.`
    : response.status === 400 ? 'Transfer not sent: enter an amount in dollars and cents, and a payee.'
      : whyNot('Transfer', response, body));
  offerSetup(response);
  void refresh();
});

// Unbound: the prompt says what it is for ("See your statements") but shows no transaction; two
// reads at once would share one prompt.
$('statements-button').addEventListener('click', async () => {
  const response = await mfaFetch('/api/statements');
  const body = await response.json();
  offerSetup(response);
  if (!response.ok) return say(whyNot('Statements', response, body));
  const { month, transfers } = body.statement;
  say(`Statement for ${month}: ${transfers.length === 1 ? '1 transfer' : `${transfers.length} transfers`}${transfers.map((t) => `, ${dollars(t.amount)} to ${t.to}`).join('')}.`);
});

$('delete-button').addEventListener('click', async () => {
  const response = await mfaFetch('/api/account', { method: 'DELETE' });
  const body = await response.json();
  offerSetup(response);
  if (!response.ok) return say(whyNot('Account deletion', response, body));
  say(`Account ${body.deleted} deleted.`);
  await refresh();
  $('username').focus(); // the button that was pressed is gone with the account: focus must not fall to <body>
});

$('logout-button').addEventListener('click', async () => {
  await window.MfaElements.clearMfa().catch(() => {});
  await fetch('/demo/logout', { method: 'POST' });
  say('Signed out.');
  await refresh();
  $('username').focus();
});

// On http://127.0.0.1:8787 passkeys cannot work (an IP is no WebAuthn RP ID): say so, link localhost.
if (/^[\d.]+$|^\[/.test(location.hostname)) {
  $('ip-note').hidden = false;
  $('ip-link').href = `${location.protocol}//localhost:${location.port}${location.pathname}`;
}

void refresh();
