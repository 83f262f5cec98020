// @ts-check
// The toy bank's own API, shared by the framework demo pages (vue.html, react.html, angular.html):
// sign-in, the guarded transfer and the security log. Nothing MFA-specific happens here — the
// pages do that through their framework's bindings of <mfa-enroll> and <mfa-prompt>.

/** @typedef {{ at: string, type: string, resource?: string, action?: string, status: string }} AuditEvent */

/** @returns {Promise<string | null>} the signed-in user name, or null */
export async function currentUser() {
  const response = await fetch('/demo/me');
  return response.ok ? (await response.json()).username ?? null : null;
}

/** @param {string} username @returns {Promise<string | null>} an error message, or null when signed in */
export async function signIn(username) {
  const response = await fetch('/demo/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  return response.ok ? null : (await response.json()).error.message;
}

/** @param {() => Promise<void>} clearMfa forgets this tab's step-up tokens and the server's freshness */
export async function signOut(clearMfa) {
  await clearMfa().catch(() => {});
  await fetch('/demo/logout', { method: 'POST' });
}

/** @returns {Promise<string[]>} the security log, one line per event, newest first */
export async function securityLog() {
  const response = await fetch('/demo/audit');
  if (!response.ok) return [];
  /** @type {{ events: AuditEvent[] }} */
  const { events } = await response.json();
  return events.map(describeEvent);
}

/** What each audit event means to the account's owner (the log's raw `type` names are for machines). */
/** @type {Record<string, string>} */
const EVENT_WORDS = {
  'verify.success': 'Verified it was you',
  'verify.failure': 'A wrong code was entered',
  'verify.replay': 'A code that was already used was refused',
  'factor.locked': 'Locked after too many wrong codes',
  'factor.enrolled': 'Sign-in method added',
  'factor.removed': 'Sign-in method removed',
  'factor.renamed': 'Sign-in method renamed',
  'recovery.issued': 'Recovery codes created',
  'recovery.regenerated': 'New recovery codes created (the old ones stopped working)',
  'recovery.used': 'A recovery code was used',
  'code.sent': 'A code was sent',
  'code.delivery_failed': 'A code could not be sent',
  'token.issued': 'Step-up granted',
  'token.consumed': 'Step-up used',
  'session.cleared': 'Step-ups of this session ended',
  'hotp.resynced': 'Security key resynchronized',
  'webauthn.counter_regression': 'A passkey answered with an old counter (possible copy)',
  'mfa.reset': 'Two-step verification reset',
  'admin.unlock': 'Unlocked by support',
  'admin.reset': 'Two-step verification reset by support',
};

/**
 * One line of the security log, e.g. "18:22:01 Verified it was you — payments/transfer".
 * @param {AuditEvent} e @returns {string}
 */
export function describeEvent(e) {
  const what = EVENT_WORDS[e.type] ?? e.type;
  const scope = e.resource ? ` — ${e.resource}/${e.action}` : '';
  return `${e.at.slice(11, 19)} ${what}${scope}${e.status === 'success' ? '' : ` (${e.status})`}`;
}

/** The transfer the framework pages send: what the request carries… */
const TRANSFER = { amount: 100, to: 'Savings' };
/**
 * …and what the prompt shows for it (`details`), exactly as `POST /api/transfer` derives it from
 * the request: the step-up token approves these values only, so a changed amount or payee is refused.
 */
export const TRANSFER_DETAILS = { amount: '$100.00', to: 'Savings' };

/**
 * The guarded action (bound to the transaction), sent with the step-up token the prompt earned.
 * @param {string | null} token @returns {Promise<string>} what to tell the user
 */
export async function transfer(token) {
  const response = await fetch('/api/transfer', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { 'Step-Up-Token': token } : {}) },
    body: JSON.stringify(TRANSFER),
  });
  const body = await response.json();
  return response.ok ? `Transferred $${body.transfer.amount} to ${body.transfer.to}.` : `Transfer not sent: ${body.error.message}`;
}

/** @param {{ error?: string }} outcome a `reject` detail @returns {string} */
export function notVerified(outcome) {
  if (outcome.error === 'cancelled') return 'Transfer cancelled.';
  if (outcome.error === 'not_enrolled') return 'Transfer not sent: set up an authenticator app first.';
  return `Transfer not sent: the second-factor check failed (${outcome.error}).`;
}

/**
 * Shows the newest `limit` messages of the dev outbox in `list` (codes for phone and email
 * factors arrive there). Touches the list only when it changed: it is a live region.
 * @param {HTMLElement} list @param {number} limit
 */
export async function showOutbox(list, limit) {
  const response = await fetch('/demo/outbox');
  if (!response.ok) return;
  /** @type {{ messages: { at: string, channel: string, to: string, text: string }[] }} */
  const { messages } = await response.json();
  const lines = messages.slice(0, limit).map((m) => `${m.at.slice(11, 19)} ${m.channel} to ${m.to}: ${m.text}`);
  if (list.textContent === lines.join('')) return;
  list.replaceChildren(...lines.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
}

/**
 * Focuses `selector` once the framework has rendered it. Signing in or out replaces the part of
 * the page the user was in: without this, focus falls to <body> and a keyboard user starts over
 * from the top of the page.
 * @param {string} selector
 */
export function focusWhenShown(selector) {
  const until = performance.now() + 2000;
  const tick = () => {
    const el = /** @type {HTMLElement | null} */ (document.querySelector(selector));
    if (el) el.focus();
    else if (performance.now() < until) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
