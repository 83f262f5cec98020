// The demo's framework pages (vue.html, angular.html, react.html), as a user, against the demo
// exactly as `npm start` serves it — with its CSP: sign in, add an authenticator app through the
// framework's <mfa-enroll>, transfer with a step-up through the framework's <mfa-prompt> binding,
// then cancel one. No page error and no CSP violation on any of them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeAt, currentStep } from './authenticator.mjs';
import { startDemo } from './demo-server.mjs';

let demo;
before(async () => { demo = await startDemo(); });
after(async () => { await demo?.stop(); });

const pages = [
  { file: 'vue.html', name: 'Vue 3', csp: "script-src 'self';" },
  { file: 'angular.html', name: 'Angular 21', csp: "script-src 'self' 'unsafe-eval';" }, // JIT: see demo/app.mjs
  { file: 'react.html', name: 'React 19', csp: "script-src 'self';" },
];

for (const { file, name, csp } of pages) {
  test(`${name} demo page: sign in, enroll, transfer with a step-up, cancel one`, { timeout: 90_000 }, async () => {
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // Expected 401s (/demo/me while signed out) are not problems; CSP violations and errors are.
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`); });
    const response = await page.goto(`${demo.url}/${file}`);
    assert.equal(response.status(), 200);
    assert.ok(response.headers()['content-security-policy'].includes(csp), `CSP of ${file}`);
    await page.getByRole('heading', { name: `Demo Bank step-up MFA with mfa-elements — ${name}` }).waitFor();
    assert.equal(await page.getByRole('link', { name }).getAttribute('aria-current'), 'page');

    await page.getByLabel('User name').fill(`e2e-${file.replace('.html', '')}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /^Signed in as e2e-/ }).waitFor();

    // Enroll through the framework's <mfa-enroll open> binding.
    await page.getByRole('button', { name: 'Set up authenticator app' }).click();
    const secret = (await page.locator('mfa-enroll [part~="secret"]').textContent()).replace(/\s/g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const step = currentStep();
    await page.locator('mfa-enroll > input[autocomplete="one-time-code"]').pressSequentially(codeAt(secret, step));
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByText('Authenticator app added.').waitFor();

    // Transfer: the framework opens <mfa-prompt>, hears `resolve`, sends the token.
    await page.getByRole('button', { name: 'Transfer $100 to Savings' }).click();
    const input = page.locator('mfa-prompt > input[autocomplete="one-time-code"]');
    await input.waitFor();
    assert.equal(await input.evaluate((el) => el === document.activeElement), true, 'focus is in the code input');
    await page.keyboard.type(codeAt(secret, step + 1));
    await page.keyboard.press('Enter');
    await page.getByText('Transferred $100 to Savings.').waitFor();
    await page.getByRole('listitem').filter({ hasText: 'payments/transfer' }).first().waitFor();

    // The transfer is bound (POST /api/transfer): freshness never answers it, so the next transfer
    // asks again and shows what the token would approve (the framework set `details`); cancelling
    // it sends nothing.
    await page.getByRole('button', { name: 'Transfer $100 to Savings' }).click();
    await input.waitFor();
    const shown = page.locator('mfa-prompt [part~="details"]');
    await shown.waitFor();
    assert.match(await shown.innerText(), /\$100\.00[\s\S]*Savings/, 'the prompt shows the amount and the payee');
    await page.keyboard.press('Escape');
    await page.getByText('Transfer cancelled.').waitFor();
    const transfers = await page.evaluate(async () => (await (await fetch('/demo/transfers')).json()).transfers.length);
    assert.equal(transfers, 1, 'the cancelled transfer was not sent');

    // Signed out and in again (a new session): the prompt opens again; Escape cancels it → `reject`.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('User name').fill(`e2e-${file.replace('.html', '')}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Transfer $100 to Savings' }).click();
    await input.waitFor();
    await page.keyboard.press('Escape');
    await page.getByText('Transfer cancelled.').waitFor();

    assert.deepEqual(problems, []);
    await context.close();
  });
}
