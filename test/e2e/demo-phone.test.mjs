// End to end with a phone, as a user would: sign in → add a phone from the demo page →
// read the code in the dev outbox the page shows → step up for a transfer with a texted code →
// open the console and remove the phone, which needs a fresh step-up (mfa/manage) first.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDemo } from './demo-server.mjs';

let demo;
before(async () => { demo = await startDemo(); });
after(async () => { await demo?.stop(); });

/** Waits for a message in the page's outbox list that is newer than `seen`; returns its 6-digit code. */
async function nextCodeOnPage(page, seen) {
  const item = page.locator('#outbox li').first();
  for (let i = 0; i < 100; i++) {
    const text = (await item.count()) ? await item.textContent() : '';
    if (text && text !== seen.last) {
      seen.last = text;
      const code = text.match(/\b(\d{6})\b/)?.[1];
      assert.ok(code, `a code in "${text}"`);
      return { code, text };
    }
    await page.waitForTimeout(200);
  }
  throw new Error('no new message in the outbox');
}

test('add a phone, step up with a texted code, remove the phone from the console', { timeout: 120_000 }, async () => {
  const page = await demo.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(demo.url);
  await page.getByLabel('User name').fill('e2e-phone');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Signed in as e2e-phone' }).waitFor();
  const seen = { last: '' };

  // Add a phone: choose the kind, type the number, read the code from the outbox, confirm.
  await page.getByRole('button', { name: 'Add a passkey, phone or email' }).click();
  await page.locator('#enroll-any').getByRole('button', { name: 'Text message' }).click();
  await page.locator('#enroll-any').getByRole('textbox', { name: 'Phone number' }).fill('+1 555 010 2030');
  await page.keyboard.press('Enter');
  const enrollInput = page.locator('#enroll-any > input[autocomplete="one-time-code"]');
  await enrollInput.waitFor();
  // First factor and it is a phone: the user is told it is the least safe kind.
  await page.locator('#enroll-any [part~="notice"]').waitFor();
  const enrollCode = await nextCodeOnPage(page, seen);
  assert.match(enrollCode.text, /sms to \+15550102030: \d{6} is your mfa-elements demo verification code/);
  assert.match(enrollCode.text, new RegExp(`@localhost #${enrollCode.code}$`), 'WebOTP line for this host');
  await enrollInput.pressSequentially(enrollCode.code);
  await page.keyboard.press('Enter');
  const codes = page.locator('#enroll-any [part~="recovery-codes"] li');
  await codes.first().waitFor();
  assert.equal(await codes.count(), 10);
  await page.locator('#enroll-any').getByRole('button', { name: 'Done' }).click();
  await page.getByText('Phone added.').waitFor();

  // Step up with the phone: the prompt opens by itself and says where the code went.
  await page.getByRole('button', { name: 'Transfer $100 to Savings' }).click();
  const promptInput = page.locator('mfa-prompt > input[autocomplete="one-time-code"]');
  await promptInput.waitFor();
  await page.locator('mfa-prompt').getByText('Enter the 6-digit code we sent to +1 ••• 2030.').waitFor();
  const transferCode = await nextCodeOnPage(page, seen);
  assert.notEqual(transferCode.code, enrollCode.code);
  await page.keyboard.type(transferCode.code);
  await page.keyboard.press('Enter');
  await page.getByText('Transferred $100 to Savings.').waitFor();

  // Remove it from the console: it warns (last factor), then asks for a fresh step-up.
  await page.getByRole('button', { name: 'Manage two-step verification' }).click();
  const consoleEl = page.locator('mfa-authenticators');
  // Only a phone protects the account: the console says so.
  await consoleEl.getByText('Text messages are the least safe way').waitFor();
  await consoleEl.getByRole('button', { name: 'Remove: +1 ••• 2030' }).click();
  await consoleEl.getByText('This is your only second factor').waitFor();
  await consoleEl.locator('[part~="confirm-remove-button"]').click();
  await promptInput.waitFor();
  const manageCode = await nextCodeOnPage(page, seen);
  await page.keyboard.type(manageCode.code);
  await page.keyboard.press('Enter');
  await consoleEl.getByText('Two-step verification is off').waitFor();
  const factors = await page.evaluate(() => fetch('/mfa/factors').then((r) => r.json()));
  assert.deepEqual(factors.factors, []);
  assert.equal(factors.recoveryCodesLeft, 0);

  // The audit log recorded the whole story, without any code in it.
  const { events } = await page.evaluate(() => fetch('/demo/audit').then((r) => r.json()));
  const types = events.map((e) => e.type);
  for (const t of ['factor.enrolled', 'code.sent', 'verify.success', 'factor.removed']) assert.ok(types.includes(t), `audit has ${t}`);
  const log = JSON.stringify(events);
  for (const c of [enrollCode.code, transferCode.code, manageCode.code]) assert.ok(!log.includes(c), 'no code in the audit log');
  assert.deepEqual(errors, []);
  await page.close();
});
