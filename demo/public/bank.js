// The bank connection page: opens the prompt for an integration's KBA flow (factor 'kba'), then
// calls the route that accepts acr "kba" with the token it earned.
import { showOutbox } from './demo-session.js';

const $ = (id) => document.getElementById(id);
const { openAuthIdpModal, getAccessToken } = window.MfaElements;

const say = (text) => ($('result').textContent = text);

const refreshOutbox = () => showOutbox($('outbox'), 3).catch(() => {}); // offline: the next tick tries again

async function start() {
  const { username } = await fetch('/demo/me').then((r) => r.json());
  $('signed-in').hidden = !username;
  $('signed-out').hidden = !!username;
  if (username) setInterval(refreshOutbox, 2000);
}

$('connect-button').addEventListener('click', async () => {
  const outcome = await openAuthIdpModal({ resource: 'bank', action: 'connect', factor: 'kba', forceStepUp: true });
  if (!outcome.success) return say(outcome.error === 'cancelled' ? 'Not connected: you closed the questions.' : outcome.error === 'locked' ? 'Not connected: too many wrong answers. Try again later.' : 'Not connected: the bank could not confirm it’s you. Try again.');
  const token = getAccessToken({ resource: 'bank', action: 'connect' });
  const response = await fetch('/api/bank/connect', { method: 'POST', headers: { 'Step-Up-Token': token ?? '' } });
  const body = await response.json();
  say(response.ok ? `Connected: ${body.connected}.` : `Not connected: ${body.error.message}`);
});

$('picture-button').addEventListener('click', async () => {
  const outcome = await openAuthIdpModal({ resource: 'bank', action: 'picture', factor: 'kba', forceStepUp: true });
  say(outcome.success ? 'That is your security picture.' : outcome.error === 'cancelled' ? 'Not checked: you closed the question.' : 'Not confirmed. Try again later.');
});

void start();
