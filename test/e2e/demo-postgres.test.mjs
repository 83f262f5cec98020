// The demo with `MFA_STORE=postgres://…`, started exactly as `npm start` runs it, on a private
// Postgres cluster (test/helpers/postgres-server.ts): a person signs in, adds an authenticator app
// and steps up for a transfer in real Chromium, and what that left behind is in Postgres — the
// confirmed factor (secret sealed), its replay mark, the recovery codes, the demo's session —
// and nothing in SQLite.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';
import { codeAt, currentStep } from './authenticator.mjs';
import { startDemo } from './demo-server.mjs';

/** @type {typeof import('../helpers/postgres-server.ts')} */
const { createDatabase, startCluster } = await tsImport('../helpers/postgres-server.ts', import.meta.url);

let cluster;
let db;
let demo;

before(async () => {
  cluster = await startCluster();
  db = await createDatabase('e2e_demo', cluster.url());
  demo = await startDemo({ env: { MFA_STORE: db.url } });
});

after(async () => {
  await demo?.stop();
  cluster?.destroy();
});

test('MFA_STORE=postgres://…: sign in, enroll and step up in Chromium; the data lives in Postgres', { timeout: 120_000 }, async () => {
  assert.match(demo.log(), /store: postgres postgres:\/\/127\.0\.0\.1:\d+\/mfa_e2e_demo_/);
  assert.match(demo.log(), /sessions: postgres \(table demo_sessions\)/);

  const page = await demo.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(demo.url);

  const username = `pg-${process.pid}`;
  await page.locator('#username').fill(username);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: `Signed in as ${username}` }).waitFor();

  // Add an authenticator app: the key the page shows, typed into an "app".
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const secret = (await page.locator('mfa-enroll [part~="secret"]').textContent()).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  const enrollInput = page.locator('mfa-enroll > input[autocomplete="one-time-code"]');
  await enrollInput.waitFor();
  const step = currentStep();
  await enrollInput.pressSequentially(codeAt(secret, step));
  await page.keyboard.press('Enter');
  await page.locator('mfa-enroll [part~="recovery-codes"] li').first().waitFor();
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByText('Authenticator app added.').waitFor();

  // The step-up: the transfer is refused, the prompt opens by itself, the code goes in.
  await page.getByRole('button', { name: 'Transfer $100 to Savings' }).click();
  const promptInput = page.locator('mfa-prompt > input[autocomplete="one-time-code"]');
  await promptInput.waitFor();
  await page.keyboard.type(codeAt(secret, step + 1));
  await page.keyboard.press('Enter');
  await page.getByText('Transferred $100 to Savings.').waitFor();
  assert.equal(await page.locator('mfa-prompt').count(), 0, 'the prompt is gone');
  assert.deepEqual(errors, [], 'no script errors on the page');

  // In Postgres: the factor, confirmed, its secret sealed, and the step just used as its replay mark.
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const factors = (await client.query('SELECT type, confirmed, last_step, secret_enc FROM factors WHERE sub = $1', [username])).rows;
    assert.equal(factors.length, 1);
    assert.equal(factors[0].type, 'totp');
    assert.equal(factors[0].confirmed, true);
    assert.equal(Number(factors[0].last_step), step + 1, 'the replay mark of the code the prompt took');
    assert.doesNotMatch(factors[0].secret_enc, new RegExp(secret, 'i'), 'the secret is sealed');
    const codes = (await client.query('SELECT count(*)::int AS n FROM recovery_codes WHERE sub = $1 AND used_at IS NULL', [username])).rows[0].n;
    assert.equal(codes, 10);
    const sessions = (await client.query('SELECT count(*)::int AS n FROM demo_sessions')).rows[0].n;
    assert.ok(sessions >= 1, 'the demo’s sign-in session is in Postgres too');
  } finally {
    await client.end();
  }
  assert.equal(existsSync(join(demo.dataDir, 'mfa.db')), false, 'no SQLite database was created');
});
