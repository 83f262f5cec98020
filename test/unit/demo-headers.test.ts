// Secure defaults of the served demo: CSP with frame-ancestors 'none',
// no-store, COOP, and a __Host-/Secure session cookie when served over HTTPS.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
// @ts-expect-error — plain JS demo module (JSDoc-typed), built against dist/
import { createDemoApp } from '../../demo/app.mjs';

const dataDir = mkdtempSync(join(tmpdir(), 'mfa-demo-headers-'));
const { app, close } = createDemoApp({ dataDir });
after(async () => {
  await close();
  rmSync(dataDir, { recursive: true, force: true });
});

const login = (origin: string) =>
  app.request(`${origin}/demo/login`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'headers' }) });

test('pages send CSP without framing, no-store and COOP', async () => {
  const res = await app.request('http://localhost/');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'[;\s]/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
});

test('over HTTP the session cookie is HttpOnly and SameSite=Lax', async () => {
  const cookie = (await login('http://localhost')).headers.get('set-cookie') ?? '';
  assert.match(cookie, /^demo_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax$/);
});

test('over HTTPS it is __Host- prefixed and Secure, and it signs the user in', async () => {
  const res = await login('https://bank.example');
  const cookie = res.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^__Host-demo_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
  const me = await app.request('https://bank.example/demo/me', { headers: { cookie: cookie.split(';')[0] } });
  assert.deepEqual(await me.json(), { username: 'headers' });
});
