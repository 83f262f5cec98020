// The demo with two handles a journey needs and `npm start` has not: the server's clock, moved
// forward instead of waiting (an expired challenge, a step-up that is no longer fresh), and a
// gateway in front of it that can answer 5xx like a failing proxy or a crashed upstream. The app
// is the demo's own (demo/app.mjs) on a fresh SQLite folder, served over real HTTP on a free port.
import { serve } from '@hono/node-server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { NO_SEND_BUDGETS, createDemoApp } from '../../demo/app.mjs';

export async function startHarnessDemo() {
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-journey-'));
  let offset = 0;
  /** @type {{ method: string, path: RegExp, status: number, left: number }[]} */
  const faults = [];
  const { app, close } = createDemoApp({ dataDir, sendBudgets: NO_SEND_BUDGETS, now: () => Date.now() + offset });
  const gateway = (request) => {
    const path = new URL(request.url).pathname;
    const fault = faults.find((f) => f.left > 0 && f.method === request.method && f.path.test(path));
    if (fault) {
      fault.left--;
      // What a proxy says when its upstream fails: a status and a page, not the protocol's JSON.
      return new Response(`<html><body><h1>${fault.status}: the upstream server failed</h1></body></html>`, { status: fault.status, headers: { 'content-type': 'text/html' } });
    }
    return app.fetch(request);
  };
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: gateway, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://localhost:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  return {
    url,
    browser,
    clock: {
      /** The server's time (ms). */
      now: () => Date.now() + offset,
      /** Moves the server's clock forward. */
      advance: (ms) => { offset += ms; },
      /** Back to real time. */
      reset: () => { offset = 0; },
    },
    /** The next `times` requests `method path` answer `status` from the gateway. */
    fail(method, path, status = 502, times = 1) {
      faults.push({ method, path, status, left: times });
    },
    async stop() {
      await browser.close();
      await new Promise((r) => server.close(r));
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
