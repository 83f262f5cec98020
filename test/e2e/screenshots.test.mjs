// Saves PNGs of the main states for the README: light, dark, RTL, wrong code, enroll.
// They are looked at by a person before a release; the assertions here only check each state
// was really reached before its picture was taken.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { codeAt, currentStep } from './authenticator.mjs';
import { startDemo } from './demo-server.mjs';

// `npm run screenshots` refreshes the README's pictures; a plain test run writes to a temp folder,
// so running the tests never changes the working tree.
const OUT = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : mkdtempSync(join(tmpdir(), 'mfa-shots-'));
let demo;
before(async () => {
  mkdirSync(OUT, { recursive: true });
  demo = await startDemo();
});
after(async () => { await demo?.stop(); });

async function signedInWithFactor(page, name) {
  await page.goto(demo.url);
  await page.fill('#username', name);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  await page.locator('mfa-enroll [part~="qr"]').waitFor();
  const secret = (await page.locator('mfa-enroll [part~="secret"]').textContent()).replace(/\s/g, '');
  return secret;
}

const shot = (page, name) => page.screenshot({ path: `${OUT}/${name}.png` });

test('screenshots of the main states', { timeout: 120_000 }, async () => {
  for (const [scheme, name] of [['light', 'light'], ['dark', 'dark']]) {
    const page = await demo.browser.newPage({ viewport: { width: 720, height: 760 }, colorScheme: scheme, reducedMotion: 'reduce' });
    const secret = await signedInWithFactor(page, `shot-${name}`);
    if (scheme === 'light') await shot(page, 'enroll-qr');
    const step = currentStep();
    await page.locator('mfa-enroll > input').pressSequentially(codeAt(secret, step));
    await page.keyboard.press('Enter');
    await page.locator('mfa-enroll [part~="recovery-codes"]').waitFor();
    if (scheme === 'light') await shot(page, 'enroll-recovery-codes');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Transfer $100 to Savings' }).click();
    await page.locator('mfa-prompt > input').waitFor();
    // The bound transfer: the picture shows what the code approves.
    await page.locator('mfa-prompt [part~="details"]').getByText('$100.00').waitFor();
    await page.locator('mfa-prompt [part~="details"]').getByText('Savings').waitFor();
    await shot(page, `prompt-${name}`);
    if (scheme === 'light') {
      await page.keyboard.type(codeAt(secret, step + 5)); // well-formed, not valid now
      await page.keyboard.press('Enter');
      await page.getByText('That code didn’t work. 9 attempts left.').waitFor();
      await shot(page, 'prompt-wrong-code');
    }
    await page.close();
  }

  const rtl = await demo.browser.newPage({ viewport: { width: 720, height: 760 }, reducedMotion: 'reduce' });
  const secret = await signedInWithFactor(rtl, 'shot-rtl');
  await rtl.locator('mfa-enroll > input').pressSequentially(codeAt(secret, currentStep()));
  await rtl.keyboard.press('Enter');
  await rtl.getByRole('button', { name: 'Done' }).click();
  await rtl.evaluate(() => { document.documentElement.lang = 'ar'; document.documentElement.dir = 'rtl'; });
  await rtl.getByRole('button', { name: 'Transfer $100 to Savings' }).click();
  await rtl.locator('mfa-prompt > input').waitFor();
  await rtl.waitForFunction(() => document.querySelector('mfa-prompt')?.shadowRoot?.querySelector('dialog')?.getAttribute('dir') === 'rtl');
  // The title is the route's own words ("Send money", the app's to translate); the prompt's are Arabic.
  await rtl.waitForFunction(() => /[\u0600-\u06FF]/.test(document.querySelector('mfa-prompt')?.shadowRoot?.querySelector('[part~="details"]')?.textContent ?? ''));
  await shot(rtl, 'prompt-rtl-ar');
  await rtl.close();

  const theming = await demo.browser.newPage({ viewport: { width: 900, height: 900 }, reducedMotion: 'reduce' });
  await theming.goto(`${demo.url}/theming.html`);
  await theming.locator('mfa-enroll [part~="qr"]').waitFor();
  await theming.locator('input[name="--mfa-color-accent"]').fill('#7c3aed');
  await theming.locator('input[name="--mfa-radius"]').fill('20');
  await theming.selectOption('select[name="theme"]', 'dark');
  const accent = await theming.evaluate(() => getComputedStyle(document.querySelector('mfa-enroll').shadowRoot.querySelector('[part~="confirm-button"]')).backgroundColor);
  assert.equal(accent, 'rgb(124, 58, 237)');
  await shot(theming, 'theming');
  await theming.close();
});

/** The newest message for the signed-in user in the dev outbox → its 6-digit code. */
const outboxCode = (page) => page.evaluate(async () => (await (await fetch('/demo/outbox')).json()).messages[0].text.match(/\b(\d{6})\b/)[1]);

test('screenshots of every factor and challenge shape', { timeout: 120_000 }, async () => {
  for (const [scheme, name] of [['light', 'light'], ['dark', 'dark']]) {
    const page = await demo.browser.newPage({ viewport: { width: 720, height: 820 }, colorScheme: scheme, reducedMotion: 'reduce' });
    await page.goto(demo.url);
    await page.fill('#username', `shot-steps-${name}`);
    await page.keyboard.press('Enter');
    // Enroll: choose the kind, then a phone with a wrong number first (error state).
    await page.getByRole('button', { name: 'Add a passkey, phone or email' }).click();
    const enroll = page.locator('#enroll-any');
    await enroll.getByRole('button', { name: 'Text message' }).waitFor();
    if (scheme === 'light') await shot(page, 'enroll-choose');
    await enroll.getByRole('button', { name: 'Text message' }).click();
    await enroll.getByRole('textbox', { name: 'Phone number' }).fill('555-1234');
    await page.keyboard.press('Enter');
    await enroll.getByText('Enter the number in international format').waitFor();
    await shot(page, `enroll-phone-error-${name}`);
    await enroll.getByRole('textbox', { name: 'Phone number' }).fill('+1 555 010 4567');
    await page.keyboard.press('Enter');
    await enroll.locator('[part~="notice"]').waitFor();
    if (scheme === 'light') await shot(page, 'enroll-phone-code');
    await page.locator('#enroll-any > input').pressSequentially(await outboxCode(page));
    await page.keyboard.press('Enter');
    await enroll.getByRole('button', { name: 'Done' }).click();
    // Step up with the phone: the sent-code step with its countdown.
    await page.getByRole('button', { name: 'Transfer $100 to Savings' }).click();
    const prompt = page.locator('mfa-prompt');
    await prompt.getByText('Enter the 6-digit code we sent to +1 ••• 4567.').waitFor();
    await prompt.locator('[part~="resend-button"]').waitFor();
    await shot(page, `prompt-sent-code-${name}`);
    // "Use another method": the list.
    await prompt.getByRole('button', { name: 'Use another method' }).click();
    await prompt.locator('[part~="method-button"]').first().waitFor();
    if (scheme === 'light') await shot(page, 'prompt-methods');
    // Escape goes back from the list to the code, and from there cancels the step-up.
    await page.keyboard.press('Escape');
    await prompt.locator('[part~="resend-button"]').waitFor();
    await page.keyboard.press('Escape');
    await page.getByText('Transfer cancelled. Nothing was changed.').waitFor();
    await page.close();
  }

  // The bank connection: question (RTL too), options, picture.
  const bank = await demo.browser.newPage({ viewport: { width: 720, height: 820 }, reducedMotion: 'reduce' });
  await bank.goto(demo.url);
  await bank.fill('#username', 'shot-bank');
  await bank.keyboard.press('Enter');
  await bank.getByRole('heading', { name: 'Signed in as shot-bank' }).waitFor();
  await bank.goto(`${demo.url}/bank.html`);
  await bank.getByRole('button', { name: 'Connect my bank' }).click();
  const prompt = bank.locator('mfa-prompt');
  await prompt.getByRole('textbox', { name: 'What was the name of your first pet?' }).fill('Rex');
  await shot(bank, 'prompt-question');
  await bank.keyboard.press('Enter');
  await prompt.getByRole('radio', { name: 'Checking ••• 4821' }).waitFor();
  await shot(bank, 'prompt-options');
  await bank.keyboard.press('Escape');
  await bank.getByRole('button', { name: 'Check my security picture' }).click();
  await prompt.getByRole('radio', { name: 'Blue' }).waitFor();
  await shot(bank, 'prompt-image');
  await bank.keyboard.press('Escape');
  await bank.evaluate(() => { document.documentElement.lang = 'ar'; document.documentElement.dir = 'rtl'; });
  await bank.getByRole('button', { name: 'Connect my bank' }).click();
  await bank.waitForFunction(() => document.querySelector('mfa-prompt')?.shadowRoot?.querySelector('dialog')?.getAttribute('dir') === 'rtl');
  await prompt.getByRole('textbox').waitFor();
  await bank.waitForFunction(() => /[\u0600-\u06FF]/.test(document.querySelector('mfa-prompt')?.shadowRoot?.querySelector('#intro')?.textContent ?? ''));
  // The bank's English question keeps its own direction but sits on the dialog's start side (the
  // right, in Arabic) above the field, not at the far left edge.
  const [field, question] = await prompt.evaluate((el) => [el.shadowRoot.querySelector('#answer'), el.shadowRoot.querySelector('.answer label bdi')].map((n) => n.getBoundingClientRect().right));
  assert.ok(field - question < 2, `the question ends at the field's right edge (${question} vs ${field})`);
  await shot(bank, 'prompt-question-rtl-ar');
  await bank.close();
});
