// Journey: a new user on the demo bank, by keyboard — tries to transfer before setting anything up
// (offered to set up), adds an authenticator app, transfers with a wrong then a right code, meets
// a reused code, loses the network mid-verify and retries, locks the app out and gets in with a
// recovery code. Each step: a screenshot, focus checked, the words the user sees checked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeAt, currentStep, waitForStep } from '../e2e/authenticator.mjs';
import { startDemo } from '../e2e/demo-server.mjs';
import { OUTBOX_POLL, TRANSFER, expect, focusOwner, journey, offline, press, result, signIn, statusOf, tabTo, until } from './journey.mjs';

let demo;
before(async () => { demo = await startDemo(); });
after(async () => { await demo?.stop(); });

const promptStatus = (page) => statusOf(page, 'mfa-prompt').then((s) => s?.text ?? '');

test('step up: not enrolled → enroll → wrong, right, reused → offline → lockout → recovery code', { timeout: 150_000 }, async () => {
  const RESUME = /^\/mfa\/challenges\/[^/]+\/resume$/;
  // Expected here: the transfer's and the deletion's 401 challenges, the challenge's 409 before
  // anything is set up, the wrong codes typed on purpose (403), the lockout (423), and the resume
  // that fails while the journey turns the network off.
  const j = await journey(demo, 'step-up', {
    allow: [expect(401, TRANSFER), expect(409, /^\/mfa\/challenges$/), expect(401, /^\/api\/account$/), expect(403, RESUME), expect(423, RESUME), offline(RESUME), OUTBOX_POLL],
  });
  const { page } = j;
  await signIn(page, demo.url, 'journey-ana');

  // Nothing set up yet: the transfer says why and offers the way.
  await press(page, 'Transfer $100 to Savings');
  await until(async () => (await result(page)).includes('needs two-step verification'), 5000, 'not-enrolled message');
  const offer = page.getByRole('button', { name: 'Set up two-step verification' });
  await offer.waitFor();
  assert.equal(await offer.evaluate((b) => b === document.activeElement), true, 'the offer has focus');
  await j.step('not-enrolled-offer');

  // Enroll an authenticator app from the offer, by keyboard.
  await page.keyboard.press('Enter');
  const appChoice = page.locator('mfa-enroll#enroll-any [part~="factor-type-button"]').first();
  await appChoice.waitFor();
  await j.step('choose-method');
  await page.keyboard.press('Enter');
  const secret = (await page.locator('mfa-enroll#enroll-any [part~="secret"]').textContent()).replace(/\s/g, '');
  await j.step('enroll-qr');
  const step0 = currentStep();
  await page.keyboard.type(codeAt(secret, step0));
  await page.keyboard.press('Enter');
  const codes = page.locator('mfa-enroll#enroll-any [part~="recovery-codes"] li');
  await codes.first().waitFor();
  const recovery = (await codes.allTextContents()).map((c) => c.trim());
  await j.step('recovery-codes');
  await press(page, 'Copy');
  await until(async () => (await statusOf(page, 'mfa-enroll#enroll-any'))?.text === 'Copied', 5000, 'Copied');
  await j.step('copied-calm'); // step() checks the tone: "Copied" is not an error
  await press(page, 'Done');
  await page.getByText('Authenticator app added.').waitFor();

  // Transfer: empty Enter says what is missing; a wrong code; then the right one.
  await press(page, 'Transfer $100 to Savings');
  const input = page.locator('mfa-prompt > input');
  await input.waitFor();
  await page.keyboard.press('Enter');
  await until(async () => (await promptStatus(page)).startsWith('Enter the 6-digit code'), 5000, 'empty-field message');
  await j.step('prompt-empty-enter');
  await page.keyboard.type('000000');
  await page.keyboard.press('Enter');
  await until(async () => (await promptStatus(page)).startsWith('That code didn’t work'), 5000, 'wrong-code message');
  await j.step('prompt-wrong-code');
  // "Use another method", then Escape: back on the code, the step-up still open.
  await tabTo(page, page.locator('mfa-prompt [part~="switch-button"]'));
  await page.keyboard.press('Enter');
  await page.locator('mfa-prompt [part~="methods"]').waitFor();
  await until(async () => (await focusOwner(page)).text.startsWith('Recovery code'), 5000, 'first method focused');
  await j.step('another-method-list');
  await page.keyboard.press('Escape');
  await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'Escape went back to the code');
  assert.equal(await page.locator('mfa-prompt [part~="methods"]').count(), 0);
  assert.equal(await page.locator('mfa-prompt').evaluate((el) => el.open), true, 'the step-up is still open');
  await j.step('escape-back-to-code');
  const used = codeAt(secret, step0 + 1);
  await page.keyboard.type(used);
  await page.keyboard.press('Enter');
  await page.getByText('Transferred $100 to Savings.').waitFor();
  await j.step('transferred');

  // The same code again (Delete account, still within its 30 s): "already used".
  await press(page, 'Delete account');
  await input.waitFor();
  await page.keyboard.type(used);
  await page.keyboard.press('Enter');
  await until(async () => (await promptStatus(page)) === 'That code was already used. Wait for a new one.', 5000, 'code used');
  await j.step('prompt-code-used');

  // Offline mid-verify: said so, the code stays, Verify works once the network is back.
  await waitForStep(step0 + 1);
  await page.context().setOffline(true);
  await page.keyboard.type(codeAt(secret, step0 + 2));
  await page.keyboard.press('Enter');
  await until(async () => (await promptStatus(page)).startsWith('We couldn’t reach the server'), 5000, 'offline message');
  assert.equal((await input.inputValue()).length, 6, 'the typed code is kept');
  await j.step('prompt-offline');
  await page.context().setOffline(false);
  await page.keyboard.press('Enter');
  await until(async () => /Account .* deleted|Account deletion/.test(await result(page)), 8000, 'deleted after retry');
  await j.step('deleted-after-retry');

  // A new account with an app, locked out by wrong codes: told until when, offered the recovery code.
  if (await page.locator('#logout-button').isVisible()) {
    await tabTo(page, page.locator('#logout-button'));
    await page.keyboard.press('Enter');
  }
  await signIn(page, demo.url, 'journey-ben');
  await press(page, 'Set up authenticator app');
  const secret2 = (await page.locator('mfa-enroll#enroll [part~="secret"]').textContent()).replace(/\s/g, '');
  await page.keyboard.type(codeAt(secret2, currentStep()));
  await page.keyboard.press('Enter');
  const codes2 = page.locator('mfa-enroll#enroll [part~="recovery-codes"] li');
  await codes2.first().waitFor();
  const recovery2 = (await codes2.allTextContents()).map((c) => c.trim());
  await press(page, 'Done');
  await press(page, 'Transfer $100 to Savings');
  await input.waitFor();
  for (let i = 0; i < 10; i++) {
    if (await page.locator('mfa-prompt [part~="methods"]').count()) break;
    // After a wrong code the field has focus again, cleared: the next code is typed at once.
    await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, `field focused for answer ${i}`);
    await page.keyboard.type('000000');
    await page.keyboard.press('Enter');
    await until(async () => (await promptStatus(page)) !== 'Checking…', 5000, `answer ${i}`);
  }
  await page.locator('mfa-prompt [part~="methods"]').waitFor();
  const lock = await promptStatus(page);
  assert.match(lock, /^Too many wrong codes\. Try again in 15 minutes \(.+\)\.$/);
  const intro = await page.locator('mfa-prompt #intro').textContent();
  assert.doesNotMatch(intro, /Enter the code/, 'no "Enter the code…" above a lockout');
  await j.step('lockout-offers-recovery');
  await tabTo(page, page.locator('mfa-prompt [part~="method-button"]', { hasText: 'Recovery code' }));
  await page.keyboard.press('Enter');
  await until(async () => (await page.locator('mfa-prompt #intro').textContent()).includes('recovery codes you saved'), 5000, 'recovery step');
  await page.keyboard.type(recovery2[0]);
  await page.keyboard.press('Enter');
  await page.getByText('Transferred $100 to Savings.').waitFor();
  await j.step('recovery-code-worked');
  assert.ok(recovery.length === 10 && recovery2.length === 10);
  await j.done();
});
