// Journey: the console (rename, remove with its confirmation, regenerate with its confirmation),
// the bank's questions (wrong answer replaced, Enter on a choice), the theming page (keeps your
// session, Reset works, stays at the top) — by keyboard, with a screenshot per step.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeAt, currentStep } from '../e2e/authenticator.mjs';
import { startDemo } from '../e2e/demo-server.mjs';
import { assertCalm, focusOwner, journey, result, statusOf, until } from './journey.mjs';

let demo;
before(async () => { demo = await startDemo(); });
after(async () => { await demo?.stop(); });

async function signInWithApp(page, name) {
  await page.goto(demo.url);
  await page.locator('#username').fill(name);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const secret = (await page.locator('mfa-enroll#enroll [part~="secret"]').textContent()).replace(/\s/g, '');
  const step = currentStep();
  await page.keyboard.type(codeAt(secret, step));
  await page.keyboard.press('Enter');
  await page.locator('mfa-enroll#enroll [part~="recovery-codes"]').waitFor();
  await page.getByRole('button', { name: 'Done' }).click();
  return { secret, step };
}

test('console: rename, remove (Escape backs out), regenerate asks first; focus never lost', { timeout: 90_000 }, async () => {
  const j = await journey(demo, 'console', { viewport: { width: 640, height: 450 } }); // 200 % zoom of 1280×900
  const { page } = j;
  const { secret, step } = await signInWithApp(page, 'journey-cleo');
  await page.getByRole('button', { name: 'Manage two-step verification' }).click();
  const consoleEl = page.locator('mfa-authenticators');
  await consoleEl.locator('[part~="rename-button"]').waitFor();
  // At 200 % zoom the actions stay in sight (the footer sticks to the dialog's bottom edge).
  const footerVisible = await consoleEl.evaluate((el) => {
    const f = el.shadowRoot.querySelector('footer').getBoundingClientRect();
    return f.bottom <= window.innerHeight && f.top >= 0;
  });
  assert.equal(footerVisible, true, 'console buttons visible at 200 % zoom');
  await j.step('console-zoom-200');

  await consoleEl.locator('[part~="rename-button"]').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.type('Phone app');
  await page.keyboard.press('Enter');
  await until(async () => (await statusOf(page, 'mfa-authenticators'))?.text === 'Your changes are saved.', 5000, 'saved');
  assertCalm(await statusOf(page, 'mfa-authenticators'), 'saved');
  assert.match((await focusOwner(page)).text, /Rename/);
  await j.step('renamed-saved-calm');

  await page.keyboard.press('Tab'); // to Remove
  await page.keyboard.press('Enter');
  await consoleEl.locator('[part~="confirm-remove-button"]').waitFor();
  assert.equal((await statusOf(page, 'mfa-authenticators')).text, '', '"saved" does not follow onto the confirmation');
  await j.step('remove-confirmation');
  await page.keyboard.press('Escape');
  await consoleEl.locator('[part~="rename-button"]').waitFor();
  assert.match((await focusOwner(page)).text, /Remove/);
  await j.step('escape-back-to-list');

  await consoleEl.locator('[part~="regenerate-button"]').focus();
  await page.keyboard.press('Enter');
  await consoleEl.locator('[part~="confirm-regenerate-button"]').waitFor();
  await j.step('regenerate-confirmation');
  await consoleEl.locator('[part~="confirm-regenerate-button"]').focus();
  await page.keyboard.press('Enter');
  await page.locator('mfa-prompt > input').waitFor();
  await page.keyboard.type(codeAt(secret, step + 1));
  await page.keyboard.press('Enter');
  await consoleEl.locator('[part~="recovery-codes"]').waitFor();
  await j.step('new-recovery-codes');
  await consoleEl.locator('[part~="done-button"]').focus();
  await page.keyboard.press('Enter');
  await until(async () => /Generate new/.test((await focusOwner(page)).text), 5000, 'focus back on regenerate');
  await j.step('done-focus-kept');
  await j.done();
});

test('bank questions: a wrong answer is replaced, Enter picks a choice; the answers stay readable', { timeout: 90_000 }, async () => {
  const j = await journey(demo, 'bank', { viewport: { width: 1280, height: 900 } });
  const { page } = j;
  await signInWithApp(page, 'journey-dan');
  await page.goto(demo.url + '/bank.html');
  // The intro speaks plainly: no protocol words.
  assert.doesNotMatch(await page.locator('main').innerText(), /CHALLENGED|acr|kba|MX-style/i);
  await page.getByRole('button', { name: 'Connect my bank' }).click();
  const answer = page.locator('mfa-prompt [part~="answer-input"]');
  await answer.waitFor();
  await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'answer focused');
  await page.keyboard.type('Max');
  await page.keyboard.press('Enter');
  await until(async () => (await statusOf(page, 'mfa-prompt'))?.text.startsWith('That answer didn’t work'), 5000, 'wrong answer');
  await page.keyboard.type('Rex');
  assert.equal(await answer.inputValue(), 'Rex', 'the new answer replaced the wrong one');
  const box = await page.locator('.answers').boundingBox();
  const dialog = await page.locator('mfa-prompt').evaluate((el) => el.shadowRoot.querySelector('dialog').getBoundingClientRect().toJSON());
  assert.ok(box.x + box.width <= dialog.x || box.y >= dialog.y + dialog.height, 'the demo answers are not under the dialog');
  await j.step('question-wrong-then-typed');
  await page.keyboard.press('Enter');
  const choice = page.locator('mfa-prompt [part~="choice"] input').first();
  await choice.waitFor();
  await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'choice focused');
  await page.keyboard.press('Enter');
  await until(async () => (await statusOf(page, 'mfa-prompt'))?.text === 'Choose one of the options.', 5000, 'Enter with nothing chosen says so');
  await j.step('options-nothing-chosen');
  await j.done();
});

test('theming keeps your session, loads at the top, and Reset works', { timeout: 60_000 }, async () => {
  const j = await journey(demo, 'theming');
  const { page } = j;
  await page.goto(demo.url);
  await page.locator('#username').fill('journey-eve');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Signed in as journey-eve' }).waitFor();
  await page.goto(demo.url + '/theming.html');
  await page.locator('mfa-enroll [part~="qr"]').waitFor();
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'loads at the top');
  await page.locator('select[name=theme]').selectOption('dark');
  await page.getByRole('button', { name: 'Reset' }).click();
  assert.equal(await page.locator('select[name=theme]').inputValue(), '');
  assert.equal(await page.locator('mfa-enroll').getAttribute('theme'), null);
  await page.locator('#reset-button').focus();
  await j.step('theming-reset');
  await page.goto(demo.url);
  await page.getByRole('heading', { name: 'Signed in as journey-eve' }).waitFor();
  assert.equal(await result(page), '');
  await j.done();
});

test('on 127.0.0.1 the demo says passkeys need a host name and links localhost', { timeout: 30_000 }, async () => {
  const j = await journey(demo, 'ip-host');
  const { page } = j;
  const ipUrl = demo.url.replace('localhost', '127.0.0.1');
  await page.goto(ipUrl);
  const note = page.locator('#ip-note');
  await note.waitFor();
  assert.match(await note.textContent(), /Passkeys need a site name/);
  assert.equal(await page.locator('#ip-link').getAttribute('href'), demo.url + '/');
  await page.locator('#username').focus();
  await j.step('ip-note');
  await j.done();
});

test('dark mode: "Delete account" is readable (contrast ≥ 4.5:1)', { timeout: 30_000 }, async () => {
  const j = await journey(demo, 'dark', { colorScheme: 'dark' });
  const { page } = j;
  await page.goto(demo.url);
  await page.locator('#username').fill('journey-fay');
  await page.keyboard.press('Enter');
  const del = page.getByRole('button', { name: 'Delete account' });
  await del.waitFor();
  const ratio = await del.evaluate((b) => {
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
      .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    const s = getComputedStyle(b);
    const [a, c] = [lum(rgb(s.color)), lum(rgb(s.backgroundColor))].sort((x, y) => y - x);
    return (a + 0.05) / (c + 0.05);
  });
  assert.ok(ratio >= 4.5, `Delete account contrast ${ratio.toFixed(2)}:1`);
  await del.focus();
  await j.step('dark-delete-contrast');
  await j.done();
});
