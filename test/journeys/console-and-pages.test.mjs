// Journey: the console (rename, remove with its confirmation, regenerate with its confirmation, a
// second method added and the first really removed), the bank's questions (wrong answer replaced,
// Enter with no choice says so, Enter on a selected choice submits, through to connected), the
// theming page (keeps your session, Reset works, stays at the top), the 127.0.0.1 page (the note,
// and Chromium refusing a passkey there, said by the element) — by keyboard, a screenshot per step.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeAt, currentStep } from '../e2e/authenticator.mjs';
import { enAll } from '../../dist/i18n/en-all.js';
import { startDemo } from '../e2e/demo-server.mjs';
import { TRANSFER, expect, focusOwner, journey, nextCodeOnPage, press, result, signIn, statusOf, tabTo, until } from './journey.mjs';

let demo;
before(async () => { demo = await startDemo(); });
after(async () => { await demo?.stop(); });

async function signInWithApp(page, name) {
  await signIn(page, demo.url, name);
  await press(page, 'Set up authenticator app');
  const secret = (await page.locator('mfa-enroll#enroll [part~="secret"]').textContent()).replace(/\s/g, '');
  const step = currentStep();
  await page.keyboard.type(codeAt(secret, step));
  await page.keyboard.press('Enter');
  await page.locator('mfa-enroll#enroll [part~="recovery-codes"]').waitFor();
  await press(page, 'Done');
  return { secret, step };
}

test('console: rename, remove (Escape backs out), regenerate asks first; focus never lost', { timeout: 90_000 }, async () => {
  const j = await journey(demo, 'console', {
    viewport: { width: 640, height: 450 }, // 200 % zoom of 1280×900
    allow: [expect(401, /^\/mfa\/recovery-codes$/)], // regenerating asks for a fresh check (the 401 challenge)
  });
  const { page } = j;
  const { secret, step } = await signInWithApp(page, 'journey-cleo');
  await press(page, 'Manage two-step verification');
  const consoleEl = page.locator('mfa-authenticators');
  await consoleEl.locator('[part~="rename-button"]').waitFor();
  // At 200 % zoom the actions stay in sight (the footer sticks to the dialog's bottom edge).
  const footerVisible = await consoleEl.evaluate((el) => {
    const f = el.shadowRoot.querySelector('footer').getBoundingClientRect();
    return f.bottom <= window.innerHeight && f.top >= 0;
  });
  assert.equal(footerVisible, true, 'console buttons visible at 200 % zoom');
  await j.step('console-zoom-200');

  await tabTo(page, consoleEl.locator('[part~="rename-button"]'));
  await page.keyboard.press('Enter');
  await page.keyboard.type('Phone app');
  await page.keyboard.press('Enter');
  await until(async () => (await statusOf(page, 'mfa-authenticators'))?.text === 'Your changes are saved.', 5000, 'saved');
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

  await tabTo(page, consoleEl.locator('[part~="regenerate-button"]'));
  await page.keyboard.press('Enter');
  await consoleEl.locator('[part~="confirm-regenerate-button"]').waitFor();
  await j.step('regenerate-confirmation');
  await tabTo(page, consoleEl.locator('[part~="confirm-regenerate-button"]'));
  await page.keyboard.press('Enter');
  await page.locator('mfa-prompt > input').waitFor();
  await page.keyboard.type(codeAt(secret, step + 1));
  await page.keyboard.press('Enter');
  await consoleEl.locator('[part~="recovery-codes"]').waitFor();
  const recovery = (await consoleEl.locator('[part~="recovery-codes"] li').allTextContents()).map((c) => c.trim());
  await j.step('new-recovery-codes');
  await tabTo(page, consoleEl.locator('[part~="done-button"]'));
  await page.keyboard.press('Enter');
  await until(async () => /Generate new/.test((await focusOwner(page)).text), 5000, 'focus back on regenerate');
  await j.step('done-focus-kept');

  // A second method from the console ("Add a method" → an authenticator app), then the first one
  // removed for real: focus lands on what is left, never on <body>.
  await press(page, 'Add a method', { within: consoleEl });
  const enroll = page.locator('mfa-enroll:not([id])');
  await tabTo(page, enroll.locator('[part~="factor-type-button"]', { hasText: 'Authenticator app' }));
  await page.keyboard.press('Enter');
  // Adding asks for a fresh check unless the last one still counts: a recovery code then (the
  // app's next codes are spent).
  const secret2 = enroll.locator('[part~="secret"]');
  const promptInput = page.locator('mfa-prompt > input');
  await until(async () => (await secret2.count()) || (await promptInput.isVisible().catch(() => false)), 8000, 'QR or step-up');
  if (!(await secret2.count())) {
    await tabTo(page, page.locator('mfa-prompt [part~="switch-button"]'));
    await page.keyboard.press('Enter');
    await tabTo(page, page.locator('mfa-prompt [part~="method-button"]', { hasText: 'Recovery code' }));
    await page.keyboard.press('Enter');
    await until(async () => (await page.locator('mfa-prompt #intro').textContent()).includes('recovery codes you saved'), 5000, 'recovery step');
    await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'recovery field focused');
    await page.keyboard.type(recovery[0]);
    await page.keyboard.press('Enter');
  }
  await secret2.waitFor();
  await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'second app code focused');
  await j.step('second-app-qr');
  await page.keyboard.type(codeAt((await secret2.textContent()).replace(/\s/g, ''), currentStep()));
  await page.keyboard.press('Enter');
  await until(async () => (await consoleEl.locator('[part~="remove-button"]').count()) === 2, 8000, 'two methods listed');
  await j.step('two-methods');
  await tabTo(page, consoleEl.locator('[part~="remove-button"]').first(), { back: true });
  await page.keyboard.press('Enter');
  await tabTo(page, consoleEl.locator('[part~="confirm-remove-button"]'));
  await page.keyboard.press('Enter');
  await until(async () => (await consoleEl.locator('[part~="remove-button"]').count()) === 1, 8000, 'one method left');
  await until(async () => (await statusOf(page, 'mfa-authenticators'))?.text === 'Your changes are saved.', 5000, 'saved');
  const focus = await focusOwner(page);
  assert.equal(focus.insideDialog, true, 'focus stays in the console after the removal');
  assert.match(focus.text, /^Rename$/, 'focus on the remaining method\'s first action');
  await j.step('removed-focus-kept');
  await j.done();
});

test('bank questions: a wrong answer is replaced, Enter on a selected choice submits; the answers stay readable', { timeout: 90_000 }, async () => {
  const j = await journey(demo, 'bank', {
    viewport: { width: 1280, height: 900 },
    allow: [expect(403, /^\/mfa\/challenges\/[^/]+\/resume$/)], // the wrong answer typed on purpose
  });
  const { page } = j;
  await signInWithApp(page, 'journey-dan');
  await page.goto(demo.url + '/bank.html');
  // The intro speaks plainly: no protocol words.
  assert.doesNotMatch(await page.locator('main').innerText(), /CHALLENGED|acr|kba|MX-style/i);
  await press(page, 'Connect my bank');
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
  // Space picks the focused choice (Checking ••• 4821, the demo's answer); Enter on it submits.
  assert.equal(await choice.evaluate((c) => c.closest('label').textContent.trim()), 'Checking ••• 4821');
  await page.keyboard.press('Space');
  assert.equal(await choice.isChecked(), true, 'Space selected the choice');
  await page.keyboard.press('Enter');
  // Submitted: the next step (the bank's emailed code) replaces the choices, its field focused.
  await until(async () => !(await page.locator('mfa-prompt [part~="choice"]').count()), 5000, 'Enter on the selected choice submitted it');
  await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'code field focused');
  await j.step('options-enter-submitted');
  const code = await nextCodeOnPage(page, { last: '' });
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  await until(async () => (await result(page)).startsWith('Connected:'), 8000, 'connected');
  await j.step('bank-connected');
  await j.done();
});

test('theming keeps your session, loads at the top, and Reset works', { timeout: 60_000 }, async () => {
  const j = await journey(demo, 'theming');
  const { page } = j;
  await signIn(page, demo.url, 'journey-eve');
  await page.goto(demo.url + '/theming.html');
  await page.locator('mfa-enroll [part~="qr"]').waitFor();
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'loads at the top');
  // The theme by keyboard: Tab to the list, arrows to "dark" (follow the system, light, dark).
  await tabTo(page, page.locator('select[name=theme]'));
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('select[name=theme]').inputValue(), 'dark');
  await until(async () => (await page.locator('mfa-enroll').getAttribute('theme')) === 'dark', 3000, 'dark preview');
  await press(page, 'Reset');
  assert.equal(await page.locator('select[name=theme]').inputValue(), '');
  assert.equal(await page.locator('mfa-enroll').getAttribute('theme'), null);
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
  await tabTo(page, page.locator('#username'));
  await j.step('ip-note');

  // The element says it too: Chromium itself refuses a passkey on an IP address (a virtual
  // authenticator is there and would say yes), and the dialog says why and what to do.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await signIn(page, ipUrl, 'journey-ivan');
  await press(page, 'Add a passkey, phone or email');
  await tabTo(page, page.locator('mfa-enroll#enroll-any [part~="factor-type-button"]', { hasText: 'Passkey' }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.locator('mfa-enroll#enroll-any [part~="confirm-button"]'));
  await page.keyboard.press('Enter');
  const said = await until(async () => (await statusOf(page, 'mfa-enroll#enroll-any'))?.text, 8000, 'the refusal said');
  assert.equal(said, enAll.passkeyNeedsDomain);
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 0, 'no passkey was created');
  await j.step('ip-passkey-needs-domain');
  await j.done();
});

test('dark mode: "Delete account" is readable (contrast ≥ 4.5:1)', { timeout: 30_000 }, async () => {
  const j = await journey(demo, 'dark', { colorScheme: 'dark' });
  const { page } = j;
  await signIn(page, demo.url, 'journey-fay');
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
  await tabTo(page, del);
  await j.step('dark-delete-contrast');
  await j.done();
});
