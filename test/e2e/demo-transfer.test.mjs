// What you see is what you sign, on the plain demo page as a user meets it: the amount and payee
// typed are exactly what the prompt's "You are confirming" block shows and what the code approves;
// a retry tampered on the way (same token, another amount or payee) is refused. And what the page
// says when a step-up does not happen, for each reason mfaFetch reports.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { codeAt, currentStep } from './authenticator.mjs';
import { startDemo } from './demo-server.mjs';
// The journeys' harness: the demo with its server clock to move (and a gateway this file does not use).
import { startHarnessDemo as startDemoWithClock } from '../journeys/demo-harness.mjs';

/** Signs in through the page's form. */
async function signIn(page, username) {
  await page.getByLabel('User name').fill(username);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: `Signed in as ${username}` }).waitFor();
}

/**
 * Adds an authenticator app for the signed-in user through the HTTP API (the page's session),
 * confirmed with the previous step's code (inside the ±1 window), so the current and the next
 * step give two more codes without waiting. Returns its key and the step used.
 */
async function enrollTotp(page) {
  const { factorId, secret } = await page.evaluate(async () =>
    (await fetch('/mfa/factors', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'totp' }) })).json());
  const confirm = (step) => page.evaluate(async ([id, code]) =>
    (await fetch(`/mfa/factors/${id}/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) })).status,
  [factorId, codeAt(secret, step)]);
  let step = currentStep() - 1;
  // A step boundary passed between reading the clock and the server's check: the next previous step.
  if ((await confirm(step)) !== 200) step = currentStep() - 1;
  else return { secret, step };
  assert.equal(await confirm(step), 200);
  return { secret, step };
}

const result = (page) => page.locator('#result').textContent();
const promptInput = (page) => page.locator('mfa-prompt > input[autocomplete="one-time-code"]');
/** The "You are confirming" rows as the user reads them: [label, value]. */
const confirmingRows = (page) => page.locator('mfa-prompt').evaluate((el) =>
  [...el.shadowRoot.querySelectorAll('[part~="detail"]')].map((row) => [row.querySelector('dt').textContent.trim(), row.querySelector('dd').textContent.trim()]));
const transfersMade = (page) => page.evaluate(async () => (await (await fetch('/demo/transfers')).json()).transfers.map((t) => [t.amount, t.to]));

describe('the plain page (npm start): a bound transfer', () => {
  let demo;
  before(async () => { demo = await startDemo(); });
  after(async () => { await demo?.stop(); });

  test('type an amount and a payee, see exactly them in "You are confirming", confirm: done; a tampered retry is refused', { timeout: 60_000 }, async () => {
    const page = await demo.browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(demo.url);
    await signIn(page, 'e2e-sign');
    const { secret, step } = await enrollTotp(page);

    await page.getByLabel('Amount').fill('42.5');
    await page.getByLabel('To').fill('Landlord Ltd');
    const button = page.getByRole('button', { name: 'Transfer $42.50 to Landlord Ltd' });
    await button.waitFor();

    // Someone on the way (an extension, a proxy) alters the retried request that carries the
    // token: first another amount, then another payee, then lets the real one through.
    const tampered = [];
    let token;
    await page.route('**/api/transfer', async (route) => {
      const sent = route.request().headers()['step-up-token'];
      if (sent && !token) {
        token = sent;
        for (const body of [{ amount: 4250, to: 'Landlord Ltd' }, { amount: 42.5, to: 'Mallory' }]) {
          const response = await route.fetch({ postData: JSON.stringify(body) });
          tampered.push({ status: response.status(), message: (await response.json()).error?.message });
        }
      }
      await route.continue();
    });

    await button.click();
    await promptInput(page).waitFor();
    assert.equal(await page.locator('mfa-prompt [part~="title"]').textContent().then((t) => t.trim()), 'Send money');
    assert.match(await page.locator('mfa-prompt [part~="details"]').textContent(), /You are confirming/);
    assert.deepEqual(await confirmingRows(page), [['Amount', '$42.50'], ['To', 'Landlord Ltd']]);
    await page.keyboard.type(codeAt(secret, step + 1));
    await page.keyboard.press('Enter');
    await page.getByText('Transferred $42.50 to Landlord Ltd.').waitFor();

    assert.deepEqual(tampered.map((t) => t.status), [401, 401], 'another amount, another payee: refused');
    for (const t of tampered) assert.match(t.message, /different transaction/);
    // The refusals burnt nothing: the real request went through with the same token, exactly once.
    assert.deepEqual(await transfersMade(page), [[42.5, 'Landlord Ltd']]);
    await page.unroute('**/api/transfer');
    // …and the token is spent now: the very same request again is refused.
    const replay = await page.evaluate(async (t) => (await fetch('/api/transfer', {
      method: 'POST', headers: { 'content-type': 'application/json', 'step-up-token': t }, body: JSON.stringify({ amount: 42.5, to: 'Landlord Ltd' }),
    })).status, token);
    assert.equal(replay, 401);
    assert.deepEqual(await transfersMade(page), [[42.5, 'Landlord Ltd']]);

    // Statements: unbound — the prompt says what it is for, shows no transaction; one more code.
    await page.getByRole('button', { name: 'See statements' }).click();
    await promptInput(page).waitFor();
    assert.equal(await page.locator('mfa-prompt [part~="title"]').textContent().then((t) => t.trim()), 'See your statements');
    assert.equal(await page.locator('mfa-prompt [part~="details"]').count(), 0);
    await page.keyboard.type(codeAt(secret, step + 2));
    await page.keyboard.press('Enter');
    await page.getByText(/^Statement for \d{4}-\d{2}: 1 transfer, \$42\.50 to Landlord Ltd\.$/).waitFor();
    assert.deepEqual(errors, []);
  });

  test('a transfer the route cannot show (no payee) is refused with a 400 before any prompt', { timeout: 30_000 }, async () => {
    const page = await demo.browser.newPage();
    await page.goto(demo.url);
    await signIn(page, 'e2e-sign-bad');
    await enrollTotp(page);
    const answers = await page.evaluate(async () => Promise.all([{ amount: 10 }, { amount: -5, to: 'Savings' }, { amount: 1.001, to: 'Savings' }, { amount: '10', to: 'Savings' }]
      .map(async (body) => {
        const r = await fetch('/api/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return [r.status, (await r.json()).error.code];
      })));
    assert.deepEqual(answers, Array(4).fill([400, 'malformed_request']));
    // Amounts in cents that binary floating point cannot hold exactly are still transactions: the step-up is asked.
    const cents = await page.evaluate(async () => Promise.all([0.29, 19.99, 0.3].map(async (amount) => {
      const r = await fetch('/api/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount, to: 'Savings' }) });
      return [r.status, (await r.json()).details];
    })));
    assert.deepEqual(cents, [[401, { amount: '$0.29', to: 'Savings' }], [401, { amount: '$19.99', to: 'Savings' }], [401, { amount: '$0.30', to: 'Savings' }]]);
    // Through the form: no prompt opens for it, and the page says what to fix.
    await page.getByLabel('Amount').fill('-5');
    await page.getByRole('button', { name: /^Transfer / }).click();
    await page.getByText('Transfer not sent: enter an amount in dollars and cents, and a payee.').waitFor();
    assert.equal(await page.locator('mfa-prompt').count(), 0);
  });
});

describe('the plain page: what it says when a step-up does not happen', () => {
  let demo;
  before(async () => { demo = await startDemoWithClock(); });
  after(async () => { await demo?.stop(); });

  test('not enrolled, cancelled, expired, signed out meanwhile, locked: a helpful message each, never the guard\'s text', { timeout: 90_000 }, async () => {
    const context = await demo.browser.newContext(); // two tabs of one browser: one cookie jar
    const page = await context.newPage();
    await page.goto(demo.url);
    await signIn(page, 'e2e-why');
    const transfer = page.getByRole('button', { name: 'Transfer $100 to Savings' });
    const said = async (text) => {
      await page.getByText(text).waitFor();
      assert.equal(await result(page), text);
      assert.equal(await page.locator('mfa-prompt').count(), 0, 'no prompt left open');
    };

    // No method yet: say so, and offer to set one up.
    await transfer.click();
    await said('Transfer needs two-step verification. Set up an authenticator app, a passkey, a phone or an email first.');
    assert.equal(await page.getByRole('button', { name: 'Set up two-step verification' }).isVisible(), true);

    const { secret, step } = await enrollTotp(page);
    // Cancelled.
    await transfer.click();
    await promptInput(page).waitFor();
    await page.keyboard.press('Escape');
    await said('Transfer cancelled. Nothing was changed.');

    // Expired: six minutes pass on the server while the prompt is open.
    await transfer.click();
    await promptInput(page).waitFor();
    demo.clock.advance(6 * 60_000);
    try {
      await page.keyboard.type(codeAt(secret, step + 1));
      await page.keyboard.press('Enter');
      await page.locator('mfa-prompt [part~="status"]', { hasText: 'This request has expired' }).waitFor();
    } finally {
      demo.clock.reset();
    }
    await page.keyboard.press('Escape');
    await said('Transfer not done: the check took too long. Try again.');

    // Signed out in another tab while the prompt is open.
    await transfer.click();
    await promptInput(page).waitFor();
    const other = await context.newPage();
    await other.goto(demo.url);
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.bringToFront();
    await page.keyboard.type(codeAt(secret, step + 1));
    await page.keyboard.press('Enter');
    // The refusal itself (not "Checking…", which shows first: Escape then would cancel instead).
    await page.locator('mfa-prompt [part~="status"]', { hasText: 'You’re no longer signed in' }).waitFor();
    await page.keyboard.press('Escape');
    await said('Transfer not done: sign in again, then retry.');

    // Locked: ten wrong codes.
    await signIn(page, 'e2e-why');
    const valid = new Set([-1, 0, 1, 2].map((o) => codeAt(secret, currentStep() + o)));
    const wrong = ['111111', '222222', '333333'].find((c) => !valid.has(c));
    await transfer.click();
    for (let i = 0; i < 10; i++) {
      await page.waitForFunction(() => {
        const input = document.querySelector('mfa-prompt > input');
        return input && !input.disabled && document.activeElement === input;
      });
      await page.keyboard.type(wrong);
      await page.keyboard.press('Enter');
      if (i < 9) await page.locator('mfa-prompt [part~="status"]', { hasText: `${9 - i} attempt` }).waitFor();
    }
    await page.locator('mfa-prompt [part~="status"]', { hasText: 'Too many wrong codes' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByText(/^Transfer not done: too many wrong codes\. Try again after \d\d:\d\d/).waitFor();
    assert.match(await result(page), /^Transfer not done: too many wrong codes\. Try again after \d\d:\d\d( [AP]M)?, or use a recovery code\.$/);
    assert.deepEqual(await transfersMade(page), []);
  });
});
