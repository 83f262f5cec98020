// End to end, as a user: sign in → enroll an authenticator app → transfer (the prompt appears,
// the code is entered, the transfer goes through) → delete the account (prompted again).
// Plus what an attacker would try on the same page: replay a used code, reuse a token elsewhere.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeAt, currentStep, waitForStep } from './authenticator.mjs';
import { startDemo } from './demo-server.mjs';

/** A download's contents as text. */
const streamText = async (stream) => {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
};

let demo;
before(async () => { demo = await startDemo(); });
after(async () => { await demo?.stop(); });

test('sign in, enroll, step up for a transfer and an account deletion', { timeout: 120_000 }, async () => {
  const page = await demo.browser.newPage();
  const dialogs = [];
  page.on('pageerror', (e) => dialogs.push(e.message));
  await page.goto(demo.url);

  const headers = (await page.request.get(demo.url + '/')).headers();
  assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(headers['cache-control'], 'no-store');

  // Sign in with the keyboard only.
  // Tab until the user-name field has focus, as a keyboard user would.
  for (let i = 0; i < 6 && !(await page.evaluate(() => document.activeElement?.id === 'username')); i++) await page.keyboard.press('Tab');
  await page.keyboard.type('e2e-alice');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Signed in as e2e-alice' }).waitFor();

  // Enroll: read the key the page shows, as a person typing it into an app would.
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const secretText = await page.locator('mfa-enroll [part~="secret"]').textContent();
  const secret = secretText.replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  const enrollInput = page.locator('mfa-enroll > input[autocomplete="one-time-code"]');
  await assert.doesNotReject(enrollInput.waitFor());
  const enrollStep = currentStep();
  await enrollInput.pressSequentially(codeAt(secret, enrollStep));
  await page.keyboard.press('Enter');
  const codes = page.locator('mfa-enroll [part~="recovery-codes"] li');
  await codes.first().waitFor();
  assert.equal(await codes.count(), 10);
  // The downloaded file says what it is, for which site and account, and when: found again among others.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
  assert.equal(download.suggestedFilename(), `recovery-codes-${new URL(demo.url).hostname}.txt`);
  const [title, about, blank, ...listed] = (await streamText(await download.createReadStream())).trimEnd().split('\n');
  assert.equal(title, 'Recovery codes — each can be used once.');
  assert.match(about, new RegExp(`^${new URL(demo.url).host.replace(/\./g, '\\.')} · mfa-elements demo:e2e-alice · \\d{4}-\\d{2}-\\d{2}$`));
  assert.equal(blank, '');
  assert.deepEqual(listed, await codes.allTextContents());
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByText('Authenticator app added.').waitFor();

  // Transfer: the server demands a step-up; the prompt opens by itself; the code goes in.
  await page.getByRole('button', { name: 'Transfer $100 to Savings' }).click();
  const promptInput = page.locator('mfa-prompt > input[autocomplete="one-time-code"]');
  await promptInput.waitFor();
  assert.equal(await promptInput.evaluate((el) => el === document.activeElement), true, 'focus is in the code input');
  const transferCode = codeAt(secret, enrollStep + 1);
  await page.keyboard.type(transferCode);
  await page.keyboard.press('Enter');
  await page.getByText('Transferred $100 to Savings.').waitFor();
  assert.equal(await page.locator('mfa-prompt').count(), 0, 'the prompt is gone');

  // An attacker who saw the code cannot use it again, even on a fresh challenge.
  const replay = await page.evaluate(async (code) => {
    const post = (path, body) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // force: the transfer's step-up is still fresh, which would answer VERIFIED without any code.
    const challenge = await (await post('/mfa/challenges', { resource: 'payments', action: 'transfer', force: true })).json();
    const answer = await post(`/mfa/challenges/${challenge.challengeId}/resume`, { answers: [{ guid: challenge.challenges[0].guid, value: code }] });
    return { status: answer.status, body: await answer.json() };
  }, transferCode);
  assert.equal(replay.status, 403);
  assert.equal(replay.body.error.code, 'code_used');

  // A transfer token does not open another door. (The transfer spent its own token; the step-up
  // is still fresh, so asking again yields a new one without a prompt.)
  const misuse = await page.evaluate(async () => {
    await window.MfaElements.openAuthIdpModal({ resource: 'payments', action: 'transfer' });
    const token = window.MfaElements.getAccessToken({ resource: 'payments', action: 'transfer' });
    const response = await fetch('/api/account', { method: 'DELETE', headers: { 'Step-Up-Token': token } });
    return { hadToken: typeof token === 'string', status: response.status, header: response.headers.get('www-authenticate') };
  });
  assert.equal(misuse.hadToken, true);
  assert.equal(misuse.status, 401);
  assert.match(misuse.header, /insufficient_user_authentication/);

  // Nothing about the token lives in web storage.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.equal(stored, '{}{}');

  // Delete the account: prompted again, with a code newer than the last one accepted.
  await waitForStep(enrollStep + 1);
  await page.getByRole('button', { name: 'Delete account' }).click();
  await promptInput.waitFor();
  await page.keyboard.type(codeAt(secret, enrollStep + 2));
  await page.keyboard.press('Enter');
  await page.getByText('Account e2e-alice deleted.').waitFor();
  assert.deepEqual(dialogs, [], 'no script errors on the page');
});
