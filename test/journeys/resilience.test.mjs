// Journey: things going wrong in the middle of a step-up, on a 320 px phone in dark mode, by
// keyboard — the server fails (5xx from the gateway, while verifying and when the challenge
// starts), the network drops and comes back, the challenge expires (the server's clock moved on,
// nobody waits 5 minutes), the page is reloaded. Each time the prompt says what happened, keeps
// what the user typed where that helps, and the next try works. And adding a phone, the resend
// once the countdown is over (the page's and the server's clocks moved together). Runs against
// demo/app.mjs behind the harness's gateway (demo-harness.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeAt } from '../e2e/authenticator.mjs';
import { startHarnessDemo } from './demo-harness.mjs';
import { OUTBOX_POLL, TRANSFER, expect, focusOwner, journey, nextCodeOnPage, offline, press, result, signIn, statusOf, tabTo, until } from './journey.mjs';

let demo;
before(async () => { demo = await startHarnessDemo(); });
after(async () => { await demo?.stop(); });

const promptStatus = (page) => statusOf(page, 'mfa-prompt').then((s) => s?.text ?? '');
const RESUME = /^\/mfa\/challenges\/[^/]+\/resume$/;
const START = /^\/mfa\/challenges$/;
/** Past the step-up's freshness, so the next transfer asks again. */
const FRESHNESS_OVER = 16 * 60_000;

test('5xx, offline, expired, reload mid-verify: said, code kept, the retry works', { timeout: 120_000 }, async () => {
  const j = await journey(demo, 'resilience', {
    viewport: { width: 320, height: 640 },
    colorScheme: 'dark',
    // The 5xx (of a start and of a resume), the dropped network, the expired challenge and the
    // wrong codes are this journey's point; the transfer's 401 challenge is the protocol.
    allow: [expect(401, TRANSFER), expect(502, START), expect(502, RESUME), offline(RESUME), expect(410, RESUME), expect(403, RESUME), OUTBOX_POLL],
  });
  const { page } = j;
  const step = () => Math.floor(demo.clock.now() / 30_000); // the server's TOTP step
  let used = 0;
  /** The app's code for a step the server has not seen used yet. */
  const nextCode = () => { used = Math.max(used + 1, step()); return codeAt(secret, used); };

  await signIn(page, demo.url, 'journey-jo');
  await press(page, 'Set up authenticator app');
  const secret = (await page.locator('mfa-enroll#enroll [part~="secret"]').textContent()).replace(/\s/g, '');
  await j.step('enroll-qr-320'); // the title stays in sight though the dialog scrolls to the field
  await page.keyboard.type(nextCode());
  await page.keyboard.press('Enter');
  await page.locator('mfa-enroll#enroll [part~="recovery-codes"]').waitFor();
  await j.step('recovery-codes-320');
  await press(page, 'Done', { within: page.locator('mfa-enroll#enroll') });
  await page.getByText('Authenticator app added.').waitFor();

  const transfer = async () => {
    await press(page, 'Transfer $100 to Savings');
    await page.locator('mfa-prompt > input').waitFor();
    await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'code field focused');
  };
  const input = page.locator('mfa-prompt > input');
  const transferred = () => until(async () => (await result(page)) === 'Transferred $100 to Savings.', 8000, 'transferred');

  // 1. The server fails while checking the code: said, code kept, Verify again works.
  await transfer();
  demo.fail('POST', RESUME, 502);
  const code1 = nextCode();
  await page.keyboard.type(code1);
  await page.keyboard.press('Enter');
  await until(async () => (await promptStatus(page)) === 'Something went wrong on our side. Try again.', 5000, 'server error said');
  assert.equal(await input.inputValue(), code1, 'the typed code is kept');
  assert.equal((await focusOwner(page)).tag, 'INPUT', 'focus on the code, ready to send again');
  await j.step('server-error-code-kept');
  await page.keyboard.press('Enter');
  await transferred();
  await j.step('transferred-after-5xx');
  await page.evaluate(() => (document.getElementById('result').textContent = ''));

  // 1b. The server fails when the challenge starts: said, Try again has focus and starts a new one.
  demo.clock.advance(FRESHNESS_OVER);
  demo.fail('POST', START, 502);
  await press(page, 'Transfer $100 to Savings');
  await until(async () => (await promptStatus(page)) === 'Something went wrong on our side. Try again.', 5000, 'start failure said');
  await until(async () => (await focusOwner(page)).text === 'Try again', 5000, 'focus on Try again');
  await j.step('start-5xx-try-again');
  await page.keyboard.press('Enter');
  await until(async () => (await focusOwner(page)).tag === 'INPUT', 5000, 'the retry started a challenge, code field focused');
  assert.equal(await promptStatus(page), '', 'the failure is gone with the retry');
  await page.keyboard.type(nextCode());
  await page.keyboard.press('Enter');
  await transferred();
  await j.step('transferred-after-start-5xx');
  await page.evaluate(() => (document.getElementById('result').textContent = ''));

  // 2. The network drops while checking: said, code kept; back online, Verify works.
  demo.clock.advance(FRESHNESS_OVER);
  await transfer();
  await page.context().setOffline(true);
  const code2 = nextCode();
  await page.keyboard.type(code2);
  await page.keyboard.press('Enter');
  await until(async () => (await promptStatus(page)).startsWith('We couldn’t reach the server'), 5000, 'offline said');
  assert.equal(await input.inputValue(), code2, 'the typed code is kept');
  await j.step('offline-code-kept');
  await page.context().setOffline(false);
  await page.keyboard.press('Enter');
  await transferred();
  await page.evaluate(() => (document.getElementById('result').textContent = ''));

  // 3. The challenge expires while the prompt is open: said, and "Try again" starts a new one.
  demo.clock.advance(FRESHNESS_OVER);
  await transfer();
  demo.clock.advance(5 * 60_000 + 1000);
  await page.keyboard.type(nextCode());
  await page.keyboard.press('Enter');
  await until(async () => (await promptStatus(page)) === 'This request has expired. Start again.', 5000, 'expired said');
  const focus = await focusOwner(page);
  assert.equal(focus.text, 'Try again', 'focus on Try again');
  await j.step('expired-try-again');
  await page.keyboard.press('Enter');
  await until(async () => (await focusOwner(page)).tag === 'INPUT' && (await input.inputValue()) === '', 5000, 'a new challenge, field empty');
  await page.keyboard.type(nextCode());
  await page.keyboard.press('Enter');
  await transferred();
  await j.step('transferred-after-expiry');
  await page.evaluate(() => (document.getElementById('result').textContent = ''));

  // 4. Reload mid-challenge, after a wrong code: the page comes back signed in, no dialog left
  //    over; the next transfer asks again and still counts the wrong code (attempts survive reloads).
  demo.clock.advance(FRESHNESS_OVER);
  await transfer();
  await page.keyboard.type('000000');
  await page.keyboard.press('Enter');
  await until(async () => /attempts? left/.test(await promptStatus(page)), 5000, 'wrong code');
  const leftBefore = Number((await promptStatus(page)).match(/(\d+) attempts? left/)[1]);
  await page.reload();
  await page.getByRole('heading', { name: 'Signed in as journey-jo' }).waitFor();
  assert.equal(await page.locator('mfa-prompt dialog[open]').count(), 0);
  await tabTo(page, page.getByRole('button', { name: 'Transfer $100 to Savings' }));
  await j.step('reloaded');
  await transfer();
  await page.keyboard.type('000000');
  await page.keyboard.press('Enter');
  await until(async () => /attempts? left/.test(await promptStatus(page)), 5000, 'wrong code after reload');
  const leftAfter = Number((await promptStatus(page)).match(/(\d+) attempts? left/)[1]);
  assert.equal(leftAfter, leftBefore - 1, 'the reload did not reset the attempts');
  await j.step('wrong-after-reload');
  await page.keyboard.type(nextCode());
  await page.keyboard.press('Enter');
  await transferred();
  await j.step('transferred-after-reload');
  await j.done();
});

test('adding a phone: when the countdown ends, "Send a new code" sends a new one, and the new code works', { timeout: 90_000 }, async () => {
  const j = await journey(demo, 'enroll-resend', { viewport: { width: 320, height: 640 } });
  const { page } = j;
  // Nobody waits 30 s: the page's clock (Playwright's) and the server's (the harness's) move on together.
  await page.clock.install();
  const seen = { last: '' };
  await signIn(page, demo.url, 'journey-kim');
  await press(page, 'Add a passkey, phone or email');
  await tabTo(page, page.locator('mfa-enroll#enroll-any [part~="factor-type-button"]', { hasText: 'Text message' }));
  await page.keyboard.press('Enter');
  await until(async () => (await focusOwner(page)).id === 'address', 5000, 'number field focused');
  await page.keyboard.type('+1 555 010 9911');
  await page.keyboard.press('Enter');
  const first = await nextCodeOnPage(page, seen);
  const resend = page.locator('mfa-enroll#enroll-any [part~="resend-button"]');
  await until(async () => /in 0:\d\d/.test(await resend.textContent()), 5000, 'the countdown');
  assert.equal(await resend.getAttribute('aria-disabled'), 'true');
  await j.step('resend-counting');

  demo.clock.advance(31_000);
  await page.clock.fastForward(31_000);
  await until(async () => (await resend.getAttribute('aria-disabled')) === 'false', 5000, 'resend open after the countdown');
  assert.equal((await resend.textContent()).trim(), 'Send a new code');
  await tabTo(page, resend);
  await page.keyboard.press('Enter');
  const second = await nextCodeOnPage(page, seen);
  assert.notEqual(second, first, 'a new message with a new code');
  await until(async () => (await statusOf(page, 'mfa-enroll#enroll-any'))?.text.startsWith('We sent a new code'), 5000, 'said: a new code was sent');
  await j.step('resent'); // step() checks the tone: "We sent a new code" is good news, not an error
  await tabTo(page, page.locator('mfa-enroll#enroll-any > input'), { back: true });
  await page.keyboard.type(second);
  await page.keyboard.press('Enter');
  await page.locator('mfa-enroll#enroll-any [part~="recovery-codes"]').waitFor();
  await j.step('phone-added-with-resent-code');
  await j.done();
});
