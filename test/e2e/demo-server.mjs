// Starts the demo exactly as `npm start` does after its build (node demo/server.mjs), on a free
// port with a fresh data folder, and Debian's Chromium through playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const freePort = () => new Promise((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
});

/**
 * @param {{ env?: Record<string, string>, browser?: boolean }} [options] extra environment of the
 *   demo process (e.g. `MFA_STORE`); `browser: false` skips launching Chromium (HTTP-only tests).
 */
export async function startDemo({ env = {}, browser: withBrowser = true } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-e2e-'));
  const child = spawn(process.execPath, ['demo/server.mjs'], {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, MFA_SEND_BUDGETS: 'off', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  const url = `http://localhost:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`demo exited: ${log}`);
      const ok = await fetch(url + '/').then((r) => r.status === 200, () => false);
      if (ok) break;
      if (i > 100) throw new Error('demo did not answer GET / within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    child.kill('SIGKILL'); // no demo left behind when it never came up
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const browser = withBrowser ? await chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  }) : null;
  return {
    url,
    dataDir,
    browser,
    log: () => log,
    async stop() {
      await browser?.close();
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
