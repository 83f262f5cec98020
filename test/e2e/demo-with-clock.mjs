// The demo (demo/app.mjs, fresh SQLite folder, real HTTP on a free port, Debian's Chromium) with
// one handle `npm start` has not: the server's clock, moved forward instead of waiting five
// minutes for a challenge to expire. Everything else is the demo as users get it.
import { serve } from '@hono/node-server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { NO_SEND_BUDGETS, createDemoApp } from '../../demo/app.mjs';

export async function startDemoWithClock() {
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-e2e-clock-'));
  let offset = 0;
  const { app, close } = createDemoApp({ dataDir, sendBudgets: NO_SEND_BUDGETS, now: () => Date.now() + offset });
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  return {
    url: `http://localhost:${server.address().port}`,
    browser,
    clock: {
      /** Moves the server's clock forward. */
      advance: (ms) => { offset += ms; },
      /** Back to real time. */
      reset: () => { offset = 0; },
    },
    async stop() {
      await browser.close();
      await new Promise((r) => server.close(r));
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
