// Saves PNGs of the main states for the README (issue #8): light, dark, RTL, wrong code, enroll.
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
  await rtl.waitForFunction(() => /[\u0600-\u06FF]/.test(document.querySelector('mfa-prompt')?.shadowRoot?.querySelector('h2')?.textContent ?? ''));
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
