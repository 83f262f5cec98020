// Journeys: each page of the demo — plain HTML, Vue, Angular, React — walked by keyboard as a
// person would: sign in, set up an authenticator app, transfer with a step-up. One variant each
// (320 px, dark, light, 200 % zoom), a screenshot per step, focus and the dialog title checked,
// no console errors (CSP violations included).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeAt, currentStep } from '../e2e/authenticator.mjs';
import { startDemo } from '../e2e/demo-server.mjs';
import { TRANSFER, expect, focusOwner, journey, press, tabTo, until } from './journey.mjs';

let demo;
before(async () => { demo = await startDemo(); });
after(async () => { await demo?.stop(); });

const pages = [
  { file: '', name: 'plain', viewport: { width: 320, height: 640 } },
  { file: 'vue.html', name: 'vue', colorScheme: 'dark' },
  { file: 'angular.html', name: 'angular' },
  { file: 'react.html', name: 'react', viewport: { width: 640, height: 450 } }, // 200 % zoom of 1280×900
];

for (const { file, name, viewport, colorScheme } of pages) {
  test(`${name} page: sign in, set up the app, transfer with a step-up — by keyboard`, { timeout: 60_000 }, async () => {
    // Expected: the transfer's 401 challenge (the protocol), nothing else.
    const j = await journey(demo, `page-${name}`, { viewport, colorScheme, allow: [expect(401, TRANSFER)] });
    const { page } = j;
    await page.goto(`${demo.url}/${file}`);
    const user = `journey-${name}`;
    await tabTo(page, page.getByLabel('User name'));
    await page.keyboard.type(user);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Signed in as ${user}` }).waitFor();
    // The form the user was in is gone: focus goes to the first action, not to <body>.
    await until(async () => (await focusOwner(page)).text === 'Set up authenticator app', 3000, 'focus on the first action after sign-in');
    await j.step('signed-in');

    await press(page, 'Set up authenticator app');
    const secret = (await page.locator('mfa-enroll [part~="secret"]').textContent()).replace(/\s/g, '');
    await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'code field focused');
    await j.step('enroll-qr');
    const step = currentStep();
    await page.keyboard.type(codeAt(secret, step));
    await page.keyboard.press('Enter');
    await page.locator('mfa-enroll [part~="recovery-codes"]').waitFor();
    await j.step('recovery-codes');
    await press(page, 'Done');
    await page.getByText('Authenticator app added.').waitFor();
    await j.step('added');

    await press(page, 'Transfer $100 to Savings');
    await page.locator('mfa-prompt > input').waitFor();
    await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'prompt code focused');
    await j.step('prompt');
    await page.keyboard.type(codeAt(secret, step + 1));
    await page.keyboard.press('Enter');
    await page.getByText('Transferred $100 to Savings.').waitFor();
    assert.notEqual((await focusOwner(page)).tag, 'BODY');
    await j.step('transferred');
    await j.done();
  });
}
