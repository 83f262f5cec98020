// Journeys: a new user adds a phone (at 320 px), an email (dark, in Arabic: right to left) and a
// passkey (Chromium's virtual authenticator), each from "Add a passkey, phone or email" on the demo
// page, by keyboard, then steps up with it for a transfer. Codes are read off the page's dev outbox,
// as a person reads their phone. Each step: a screenshot, focus and the dialog's title checked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDemo } from '../e2e/demo-server.mjs';
import { TRANSFER, expect, focusOwner, journey, nextCodeOnPage, press, result, signIn, statusOf, tabTo, until } from './journey.mjs';

let demo;
before(async () => { demo = await startDemo(); });
after(async () => { await demo?.stop(); });

const enrollAny = (page) => page.locator('mfa-enroll#enroll-any');

/** Opens "Add a passkey, phone or email" and picks `name` from the list, by keyboard. */
async function chooseKind(j, name) {
  const { page } = j;
  await press(page, 'Add a passkey, phone or email');
  const kind = enrollAny(page).locator('[part~="factor-type-button"]', { hasText: name });
  await kind.waitFor();
  await until(async () => (await focusOwner(page)).insideDialog, 5000, 'focus in the list');
  await j.step('choose-kind');
  await tabTo(page, kind);
  await page.keyboard.press('Enter');
}

/** Reads the recovery codes, checks "Copied" is calm, closes with Done. */
async function saveRecoveryCodes(j, done = 'Done') {
  const { page } = j;
  const codes = enrollAny(page).locator('[part~="recovery-codes"] li');
  await codes.first().waitFor();
  assert.equal(await codes.count(), 10);
  await j.step('recovery-codes');
  await press(page, done, { within: enrollAny(page) });
}

test('add a phone at 320 px, then step up with a texted code', { timeout: 90_000 }, async () => {
  const j = await journey(demo, 'enroll-phone', { viewport: { width: 320, height: 640 }, allow: [expect(401, TRANSFER)] });
  const { page } = j;
  const seen = { last: '' };
  await signIn(page, demo.url, 'journey-gil');
  await chooseKind(j, 'Text message');
  const number = enrollAny(page).locator('[part~="address-input"]');
  await until(async () => (await focusOwner(page)).id === 'address', 5000, 'number field focused');
  await page.keyboard.type('+1 555 010 4477');
  await j.step('phone-number');
  await page.keyboard.press('Enter');
  const codeField = page.locator('mfa-enroll#enroll-any > input');
  await until(async () => (await focusOwner(page)).tag === 'INPUT' && await codeField.isVisible(), 5000, 'code field focused');
  assert.equal(await number.count(), 0, 'the number field gave way to the code');
  assert.match(await enrollAny(page).locator('#intro').textContent(), /we sent to \+1 ••• 4477/);
  const code = await nextCodeOnPage(page, seen);
  await j.step('phone-code-sent');
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  await saveRecoveryCodes(j);
  await page.getByText('Phone added.').waitFor();
  await j.step('phone-added');

  await press(page, 'Transfer $100 to Savings');
  await page.locator('mfa-prompt').getByText('Enter the 6-digit code we sent to +1 ••• 4477.').waitFor();
  await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'prompt code focused');
  const transferCode = await nextCodeOnPage(page, seen);
  await j.step('prompt-texted-code');
  await page.keyboard.type(transferCode);
  await page.keyboard.press('Enter');
  await page.getByText('Transferred $100 to Savings.').waitFor();
  await j.step('transferred');
  await j.done();
});

test('add an email in dark mode, right to left (Arabic), then step up with an emailed code', { timeout: 90_000 }, async () => {
  // Expected: the wrong code typed on purpose (403 of the confirm), the transfer's 401 challenge.
  const j = await journey(demo, 'enroll-email', { colorScheme: 'dark', allow: [expect(403, /^\/mfa\/factors\/[^/]+\/confirm$/), expect(401, TRANSFER)] });
  const { page } = j;
  const seen = { last: '' };
  await signIn(page, demo.url, 'journey-hana');
  // The elements follow `locale`; the page stays English (the demo's own texts are not translated).
  await page.evaluate(() => {
    for (const el of document.querySelectorAll('mfa-enroll')) el.setAttribute('locale', 'ar');
    window.MfaElements.configure({ locale: 'ar' }); // the prompt mfaFetch opens
  });
  await chooseKind(j, 'البريد الإلكتروني');
  assert.equal(await enrollAny(page).evaluate((el) => el.shadowRoot.querySelector('dialog').getAttribute('dir')), 'rtl');
  await until(async () => (await focusOwner(page)).id === 'address', 5000, 'address field focused');
  await page.keyboard.type('hana@example.com');
  await j.step('email-address');
  await page.keyboard.press('Enter');
  await until(async () => (await focusOwner(page)).tag === 'INPUT' && await page.locator('mfa-enroll#enroll-any > input').isVisible(), 5000, 'code field focused');
  const code = await nextCodeOnPage(page, seen);
  await j.step('email-code-sent');
  // A wrong code first: said in Arabic, in the error tone, the field ready again.
  await page.keyboard.type(code === '000000' ? '111111' : '000000');
  await page.keyboard.press('Enter');
  await until(async () => (await statusOf(page, 'mfa-enroll#enroll-any'))?.text, 5000, 'wrong-code message');
  assert.match((await statusOf(page, 'mfa-enroll#enroll-any')).text, /[\u0600-\u06FF]/, 'the message is in Arabic');
  await j.step('email-wrong-code');
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  await saveRecoveryCodes(j, 'تم');
  await until(async () => /added/.test(await result(page)), 5000, 'added');
  await j.step('email-added');

  await press(page, 'Transfer $100 to Savings');
  await page.locator('mfa-prompt > input').waitFor();
  await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'prompt code focused');
  assert.equal(await page.locator('mfa-prompt').evaluate((el) => el.shadowRoot.querySelector('dialog').getAttribute('dir')), 'rtl');
  const transferCode = await nextCodeOnPage(page, seen);
  await j.step('prompt-emailed-code-rtl');
  await page.keyboard.type(transferCode);
  await page.keyboard.press('Enter');
  await page.getByText('Transferred $100 to Savings.').waitFor();
  await j.step('transferred');
  await j.done();
});

test('add a passkey (virtual authenticator), then step up with it', { timeout: 90_000 }, async () => {
  const j = await journey(demo, 'enroll-passkey', { allow: [expect(401, TRANSFER)] });
  const { page } = j;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await signIn(page, demo.url, 'journey-ivo');
  await chooseKind(j, 'Passkey');
  const create = enrollAny(page).locator('[part~="confirm-button"]');
  await create.waitFor();
  await until(async () => (await focusOwner(page)).insideDialog, 5000, 'focus in the passkey step');
  await j.step('passkey-intro');
  await tabTo(page, create);
  await page.keyboard.press('Enter');
  await saveRecoveryCodes(j);
  await until(async () => /Passkey added/.test(await result(page)), 5000, 'passkey added');
  assert.doesNotMatch(await result(page), /webauthn/i, 'no factor ids in the user text');
  await j.step('passkey-added');

  // The prompt asks the device at once; this time the person dismisses the device's sheet
  // (no user verification): the prompt says so and offers the passkey again.
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
  await press(page, 'Transfer $100 to Savings');
  const use = page.locator('mfa-prompt [part~="verify-button"]', { hasText: 'Use passkey' });
  await use.waitFor();
  await until(async () => (await statusOf(page, 'mfa-prompt'))?.text, 8000, 'passkey cancelled message');
  assert.match((await statusOf(page, 'mfa-prompt')).text, /passkey/i);
  await until(async () => (await focusOwner(page)).insideDialog, 5000, 'focus in the prompt');
  await j.step('prompt-passkey-dismissed');
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
  await tabTo(page, use);
  await page.keyboard.press('Enter');
  await page.getByText('Transferred $100 to Savings.').waitFor();
  await j.step('transferred');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1, 'one passkey on the device');
  await j.done();
});
