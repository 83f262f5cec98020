/**
 * Browser → service → example backend, as a user sees it: one origin (a gateway, as production
 * puts the app and the MFA service behind one host) serves a plain page with the script-tag
 * bundle, `/mfa/*` from the reference server and `/python/*`, `/go/*`, `/java/*` from the example
 * backends. In Debian's Chromium the page calls `mfaFetch('/go/transfer')`: the backend's RFC 9470
 * 401 opens `<mfa-prompt>` by itself, the user types the authenticator code, the retry succeeds.
 * Needs `npm run build` (dist/), which `npm test` runs first.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { build, LANGUAGES, ROOT, startBackend, type RunningBackend } from './backends.js';
import { AUDIENCE, codeAt, ISSUER, SESSION_COOKIE, SESSION_SECRET, sessionCookie, startService } from './live-service.js';

const BUNDLE = join(ROOT, 'dist/mfa-elements.iife.js');
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example backend</title>
<script src="/dist/mfa-elements.iife.js"></script></head><body><main><h1>Example backend</h1><output id="out"></output></main></body></html>`;

/** Forwards a request to `upstream` (method, the headers that matter, body) and copies the answer back. */
async function forward(req: IncomingMessage, res: ServerResponse, upstream: string) {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers: Record<string, string> = {};
  for (const name of ['cookie', 'content-type', 'origin', 'step-up-token', 'authorization', 'accept']) {
    const v = req.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  const answer = await fetch(upstream, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, redirect: 'manual' });
  const out: Record<string, string> = {};
  answer.headers.forEach((v, k) => {
    if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
  });
  res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
}

describe('example backends behind one origin with the browser', () => {
  let gateway: Server;
  let origin = '';
  let service: Awaited<ReturnType<typeof startService>>;
  const backends = new Map<string, RunningBackend>();
  let browser: Browser;

  before(async () => {
    if (!existsSync(BUNDLE)) throw new Error('dist/mfa-elements.iife.js is missing: run `npm run build` first (npm test does)');
    gateway = createServer((req, res) => {
      const url = req.url ?? '/';
      const prefix = url.split('/')[1] ?? '';
      const route = (): Promise<void> | void => {
        if (url === '/') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
        // The script-tag bundle and the companions it loads from beside it (docs/packaging.md).
        const companion = /^\/dist\/(mfa-elements\.iife|mfa-prompt-steps|mfa-passkeys|mfa-qr)\.js$/.exec(url);
        if (companion) return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(ROOT, url.slice(1))));
        if (prefix === 'mfa') return forward(req, res, service.url + url);
        const backend = backends.get(prefix);
        if (backend) return forward(req, res, backend.url + url.slice(prefix.length + 1));
        res.writeHead(404).end();
      };
      Promise.resolve(route()).catch(() => res.writeHead(502).end());
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    service = await startService({ origins: [origin] });
    await Promise.all(
      LANGUAGES.map(async (lang) => {
        const b = await build(lang);
        backends.set(lang, await startBackend(lang, b, {
          APP_SESSION_SECRET: SESSION_SECRET, MFA_ISSUER: ISSUER, MFA_AUDIENCE: AUDIENCE, MFA_JWKS_URL: service.jwksUrl,
        }));
      }),
    );
    browser = await chromium.launch({
      executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    await Promise.all([...backends.values()].map((b) => b.stop()));
    await service?.close();
    if (gateway) {
      gateway.closeAllConnections();
      await new Promise<void>((r) => gateway.close(() => r()));
    }
  });

  for (const lang of LANGUAGES) {
    test(`${lang}: mfaFetch meets the backend's 401, the prompt opens, the code goes in, the retry succeeds`, { timeout: 60_000 }, async () => {
      const sub = `browser-${lang}`;
      const { secret, step } = await service.enroll(sub, 'browser-session');
      const context = await browser.newContext();
      try {
        const value = (await sessionCookie(sub, 'browser-session')).slice(SESSION_COOKIE.length + 1);
        await context.addCookies([{ name: SESSION_COOKIE, value, url: origin, httpOnly: true, sameSite: 'Lax' }]);
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${origin}/`);

        const result = page.evaluate(async (path) => {
          const res = await window.MfaElements.mfaFetch(path, { method: 'POST' });
          return { status: res.status, body: await res.json() };
        }, `/${lang}/transfer`);
        const input = page.locator('mfa-prompt > input[autocomplete="one-time-code"]');
        await input.waitFor();
        await page.keyboard.type(codeAt(secret, step + 1));
        await page.keyboard.press('Enter');
        assert.deepEqual(await result, { status: 200, body: { ok: true, sub, amr: ['otp'] } });
        assert.equal(await page.locator('mfa-prompt').count(), 0, 'the prompt is gone');

        // One step-up, one request: the retry spent the token. This service keeps no freshness
        // (reuse 'none'), so the next call of the same scope asks again; cancelled, it gets the 401.
        const again = page.evaluate(async (path) => (await window.MfaElements.mfaFetch(path, { method: 'POST' })).status, `/${lang}/transfer`);
        await input.waitFor();
        await page.keyboard.press('Escape');
        assert.equal(await again, 401);
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    });
  }
});

declare global {
  interface Window {
    MfaElements: typeof import('../../src/index.js');
  }
}
