// Browser tests: real Chromium (Debian's), real reference server. The demo app — and with it
// the MFA server on a fresh SQLite database — is mounted inside the test server, so tests talk to
// it same-origin with real cookies and real fetch.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { defaultReporter } from '@web/test-runner';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountFetchApp } from './test/helpers/koa-fetch-bridge.mjs';
import { holdChallenges } from './test/helpers/hold-challenges.mjs';
import { ssrRender } from './test/helpers/ssr-render.mjs';
import { serverClock } from './test/helpers/server-clock.mjs';
import { cjsPrebundlePlugin } from './test/helpers/cjs-prebundle-plugin.mjs';
import { webauthnPlugin } from './test/helpers/webauthn-plugin.mjs';
import { progressPlugin } from './test/helpers/progress-plugin.mjs';
import { NO_SEND_BUDGETS, createDemoApp } from './demo/app.mjs';

const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run'];

// A free port: the default 8000 may be taken (another test run, another service).
const port = Number(process.env.WTR_PORT) || await new Promise((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => { const { port: p } = srv.address(); srv.close(() => resolve(p)); });
});

const dataDir = mkdtempSync(join(tmpdir(), 'mfa-wtr-'));
process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
// The browser suites send many codes from 127.0.0.1: budgets off (they have their own attack test).
// The server's clock can be moved forward by a test (test/helpers/server-clock.mjs).
const clock = serverClock();
// Names the test and command a hung test file was on (test/helpers/progress-plugin.mjs).
const progress = progressPlugin();
const demo = createDemoApp({ dataDir, sendBudgets: NO_SEND_BUDGETS, now: clock.now });

/** Prints a plain "wtr: N passed, N failed, N skipped" line last (CI reads it). */
function countReporter() {
  return {
    stop({ sessions }) {
      const hung = progress.hungReport(sessions);
      let passed = 0, failed = 0, skipped = 0;
      const walk = (s) => { if (!s) return;
        for (const t of s.tests) t.skipped ? skipped++ : t.passed ? passed++ : failed++;
        for (const c of s.suites) walk(c); };
      for (const s of sessions) { walk(s.testResults); if (!s.passed) failed += s.errors.length; }
      const line = `wtr: ${passed} passed, ${failed} failed, ${skipped} skipped`;
      process.once('exit', () => process.stdout.write(`\n${[...hung, line].join('\n')}\n`));
    },
  };
}

export default {
  // Browser tests live at the top of test/ (node tests: test/server, test/unit; e2e: test/e2e);
  // test/frameworks/ renders the elements in plain HTML (the built IIFE), Vue, Angular and React.
  files: ['test/*.test.ts', 'test/frameworks/**/*.test.{ts,tsx}'],
  nodeResolve: true,
  // Each test file logs in its own users; the server is shared, so run files one at a time.
  concurrency: 1,
  port,
  // Pages open at http://localhost:PORT (wtr's default, stated here on purpose): WebAuthn refuses an
  // IP address as RP ID, so 127.0.0.1 would break the passkey tests.
  hostname: 'localhost',
  // holdChallenges: tests may hold a challenge start in flight (test/helpers/hold-challenges.mjs).
  // ssrRender: GET /__ssr, the elements as @lit-labs/ssr renders them (test/helpers/ssr-render.mjs).
  middleware: [holdChallenges(), clock.middleware, ssrRender(), mountFetchApp(demo.app, ['/mfa', '/demo', '/api'])],
  plugins: [
    progress, // wraps every command plugin at start: names what a hung test file was doing
    cjsPrebundlePlugin({
      'qrcode/lib/core/qrcode.js': 'qrcode/lib/core/qrcode.js',
      // React 19 ships CommonJS only; one esbuild pass (shared chunks) keeps a single React instance.
      react: 'react',
      'react/jsx-runtime': 'react/jsx-runtime',
      'react-dom': 'react-dom',
      'react-dom/client': 'react-dom/client',
    }),
    esbuildPlugin({ ts: true, tsx: true, tsconfig: './tsconfig.json' }),
    // Virtual WebAuthn authenticator over CDP (test/helpers/virtual-authenticator.ts).
    webauthnPlugin(),
  ],
  browsers: [playwrightLauncher({ product: 'chromium', launchOptions: { executablePath, headless: true, args } })],
  reporters: [defaultReporter(), countReporter()],
  testFramework: { config: { timeout: 10000 } },
  coverageConfig: { include: ['src/**/*.ts'] },
};
