// bench:open — time from bundle start to the code input focused, in Debian's Chromium (headless,
// through playwright-core), a cold browser context per sample.
//
// Pages, all served by one local server and measured in the same run, interleaved:
//   ours     dist/mfa-elements.iife.js, then openAuthIdpModal({ resource, action, forceStepUp })
//            with the client knowing the user's likely first step (`likelyFactor = 'totp'`, what a
//            401 step-up challenge or an earlier step-up on the page tells it): the prompt shows
//            and focuses the code input, then sends POST /mfa/challenges in the same task. The
//            request is still made (its timing is recorded); Verify waits for its answer.
//   oursCold the same call with nothing known (a fresh page's first, forced step-up): the prompt
//            waits for the real demo server's CHALLENGED answer before it shows the code input,
//            so this figure includes one HTTP round trip and a store write.
//   oursFetch mfaFetch('/api/statements') on the demo's guarded route, nothing known: its 401
//            names the likely factor (the guard says so only when a challenge will ask), and the
//            prompt opens on it as "first step known" does. The real integration path: this figure
//            includes the 401 round trip (the guard's session check and store reads).
//   native   a bare <dialog> with an <input autofocus>, showModal() — the floor.
//   lit      a minimal Lit element rendering <dialog><input>, showModal() + focus() on first update.
//   shoelace <sl-dialog> with an <sl-input autofocus>, show() (its own open animation, which it
//            skips under reduced motion).
// Each page's script is one classic <script> whose first statement is
// performance.mark('bundle-start'); the page records performance.now() when the focused element
// (looking through shadow roots) is an <input>. "from navigation" is the same moment measured
// from the navigation start (HTML, script download and parse included).
// Every sample: new browser context (empty cache, no compiled code), new page, one measurement,
// context closed. 20 samples per page per motion setting, pages in an order rotated per round.
import { serve } from '@hono/node-server';
import { build } from 'esbuild';
import { Hono } from 'hono';
import { currentStep, totpCodeAt } from '../test/helpers/otp.mjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ROOT, SMOKE, ensureBuilt, fmt, freePort, machineInfo, main, median, printTable, quantile, round, writeResult } from './lib/common.mjs';
import { BREAKDOWN, TRACE_CATEGORIES, openBreakdown } from './lib/open-trace.mjs';
import { SCRATCH, ensurePackages } from './lib/scratch.mjs';

// --smoke: one sample per page and motion setting (after the usual warm-up round).
const SAMPLES = Number(process.env.BENCH_OPEN_SAMPLES ?? (SMOKE ? 1 : 20));
// BENCH_OPEN_TRACE=<n>: instead of the measurement, n traced cold contexts per page (default motion)
// and where their time went (lib/open-trace.mjs); nothing is written. --smoke traces one per page
// after its measurement, so the breakdown keeps working.
const TRACE_ONLY = process.env.BENCH_OPEN_TRACE !== undefined;
const TRACE_SAMPLES = TRACE_ONLY ? Number(process.env.BENCH_OPEN_TRACE) || 10 : SMOKE ? 1 : 0;
const MOTION = ['no-preference', 'reduce'];
const EXECUTABLE = process.env.CHROME_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

/** Runs in the page before anything else of the driver: records the moment an <input> has focus. */
const PROBE = `(() => {
  const deepActive = () => { let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement; return a; };
  const check = (how) => {
    if (window.__bench) return true;
    const a = deepActive();
    if (!a || a.localName !== 'input') return false;
    const now = performance.now();
    const start = performance.getEntriesByName('bundle-start')[0].startTime;
    window.__bench = { ms: now - start, fromNavigation: now, how };
    return true;
  };
  document.addEventListener('focusin', () => check('focusin'), true);
  const poll = () => { if (!check('frame')) requestAnimationFrame(poll); };
  requestAnimationFrame(poll);
})();
`;

const DIALOG_MARKUP = `<h2 id="t">Verify it's you</h2><p>Enter the code from your authenticator app.</p><form method="dialog"><label>Code <input name="code" autocomplete="one-time-code" inputmode="numeric" autofocus></label> <button value="ok">Verify</button></form>`;

const PAGES = {
  ours: { name: 'mfa-elements openAuthIdpModal, first step known', head: '' },
  oursCold: { name: 'mfa-elements openAuthIdpModal, nothing known', head: '' },
  oursFetch: { name: "mfa-elements mfaFetch answering a guarded route's 401", head: '' },
  native: { name: 'native <dialog> (no library)', head: '' },
  lit: { name: 'minimal Lit dialog', head: '' },
  shoelace: { name: 'Shoelace <sl-dialog> + <sl-input>', head: '<link rel="stylesheet" href="/bench/shoelace/themes/light.css">' },
};

/** Builds each page's single script: the mark, the probe, the library, the call that opens the dialog. */
async function pageScripts() {
  const bundle = async (source) => {
    const out = await build({
      stdin: { contents: source, resolveDir: SCRATCH, sourcefile: 'page.mjs', loader: 'js' },
      bundle: true, minify: true, format: 'iife', target: 'es2021', platform: 'browser', write: false,
      legalComments: 'none', define: { 'process.env.NODE_ENV': '"production"' }, logLevel: 'silent',
    });
    return out.outputFiles[0].text;
  };
  const mark = `performance.mark('bundle-start');\n`;
  // The page script stands for <script>mark</script><script src="mfa-elements.iife.js">: the
  // shipped file's first-line compile hint (scripts/esbuild-options.mjs COMPILE_HINT) only works
  // as the first line of a script, so it stays first here.
  const shipped = readFileSync(join(ROOT, 'dist/mfa-elements.iife.js'), 'utf8');
  const hint = /^\/\/# [^\n]*\n/.exec(shipped)?.[0] ?? '';
  const iife = shipped.slice(hint.length);
  const open = `MfaElements.openAuthIdpModal({ resource: 'payments', action: 'transfer', forceStepUp: true });\n`;
  return {
    ours: hint + mark + PROBE + iife + `\n;MfaElements.getDefaultClient().likelyFactor = 'totp';\n` + open,
    oursCold: hint + mark + PROBE + iife + `\n;` + open,
    oursFetch: hint + mark + PROBE + iife + `\n;MfaElements.mfaFetch('/api/statements');\n`,
    native: mark + PROBE + `(() => { const d = document.createElement('dialog'); d.setAttribute('aria-labelledby', 't'); d.innerHTML = ${JSON.stringify(DIALOG_MARKUP)}; document.body.append(d); d.showModal(); })();\n`,
    lit: mark + PROBE + await bundle(`
      import { LitElement, html, css } from 'lit';
      class BenchDialog extends LitElement {
        static styles = css\`dialog { border: 1px solid #888; border-radius: 8px; padding: 1.5rem; } input { font: inherit; }\`;
        render() { return html\`<dialog aria-labelledby="t">${DIALOG_MARKUP.replace(' autofocus', '')}</dialog>\`; }
        firstUpdated() { this.renderRoot.querySelector('dialog').showModal(); this.renderRoot.querySelector('input').focus(); }
      }
      customElements.define('bench-dialog', BenchDialog);
      document.body.append(document.createElement('bench-dialog'));
    `),
    shoelace: mark + PROBE + await bundle(`
      import { setBasePath } from '@shoelace-style/shoelace/dist/utilities/base-path.js';
      import '@shoelace-style/shoelace/dist/components/dialog/dialog.js';
      import '@shoelace-style/shoelace/dist/components/input/input.js';
      setBasePath('/bench/shoelace');
      const d = document.createElement('sl-dialog');
      d.label = "Verify it's you";
      d.innerHTML = '<p>Enter the code from your authenticator app.</p><sl-input label="Code" autocomplete="one-time-code" inputmode="numeric" autofocus></sl-input>';
      document.body.append(d);
      d.show();
    `),
  };
}

/** TOTP code as an authenticator app computes it (SHA1, 6 digits, 30 s): the tests' one OTP oracle. */
const totpNow = (secretBase32) => totpCodeAt(secretBase32, currentStep());

/** The real demo app (its MFA server on SQLite in a temp folder) plus the benchmark's pages. */
async function startServer(scripts) {
  const { createDemoApp } = await import(pathToFileURL(join(ROOT, 'demo/app.mjs')).href);
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-bench-open-'));
  // Every cold context is a new client on 127.0.0.1: three of our pages × two motion settings ×
  // 21 rounds start more challenges than one IP may in 10 minutes (100). Each round's user keeps
  // the per-user limit.
  const demo = createDemoApp({ dataDir, rateLimits: { challengesPerIp: false } });
  const app = new Hono();
  const shoelaceDist = join(SCRATCH, 'node_modules/@shoelace-style/shoelace/dist');
  const types = { '.css': 'text/css', '.svg': 'image/svg+xml', '.js': 'text/javascript' };
  app.get('/bench/shoelace/*', (c) => {
    const path = normalize(join(shoelaceDist, c.req.path.slice('/bench/shoelace/'.length)));
    if (!path.startsWith(shoelaceDist + '/')) return c.text('not found', 404);
    try {
      return c.body(readFileSync(path), 200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    } catch {
      return c.text('not found', 404);
    }
  });
  app.get('/bench/:file{[A-Za-z]+\\.html}', (c) => {
    const id = c.req.param('file').slice(0, -'.html'.length);
    if (!PAGES[id]) return c.text('not found', 404);
    return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${id}</title>${PAGES[id].head}</head><body><main><h1>Account</h1><button>Transfer $100</button></main><script src="/bench/${id}.js"></script></body></html>`);
  });
  app.get('/bench/:file{[A-Za-z]+\\.js}', (c) => {
    const id = c.req.param('file').slice(0, -'.js'.length);
    if (!scripts[id]) return c.text('not found', 404);
    return c.body(scripts[id], 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
  });
  app.route('/', demo.app);
  const port = await freePort();
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async stop() {
      await new Promise((r) => server.close(r));
      await demo.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs a user in and enrolls a TOTP factor through the HTTP API; returns the session cookie. */
async function signInAndEnroll(url, username) {
  const post = async (path, body, cookie) => {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const login = await post('/demo/login', { username });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const factor = await (await post('/mfa/factors', { type: 'totp' }, cookie)).json();
  await post(`/mfa/factors/${factor.factorId}/confirm`, { code: totpNow(factor.secret) }, cookie);
  const [name, value] = cookie.split('=');
  return { name, value };
}

async function sample(browser, url, cookie, id, motion, { trace = false } = {}) {
  const context = await browser.newContext({ reducedMotion: motion });
  let tracing = false;
  try {
    await context.addCookies([{ name: cookie.name, value: cookie.value, url }]);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    if (trace) {
      await browser.startTracing(page, { categories: TRACE_CATEGORIES });
      tracing = true;
    }
    await page.goto(`${url}/bench/${id}.html`);
    await page.waitForFunction(() => window.__bench, null, { timeout: 15_000 }).catch(() => {
      throw new Error(`${id} (${motion}): the code input never got focus${errors.length ? `; page errors: ${errors.join('; ')}` : ''}`);
    });
    // Where the time went, for pages that ask a server: the challenge request's timing (ours
    // focuses the input before the answer, so wait for the request to finish first).
    const asks = id.startsWith('ours');
    if (asks) await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/mfa/challenges')), null, { timeout: 15_000 });
    const r = await page.evaluate(() => {
      const start = performance.getEntriesByName('bundle-start')[0].startTime;
      const timing = (path) => {
        const e = performance.getEntriesByType('resource').find((r) => new URL(r.name).pathname === path);
        return e ? { start: e.startTime - start, end: e.responseEnd - start } : null;
      };
      return { ...window.__bench, request: timing('/mfa/challenges'), guarded: timing('/api/statements') };
    });
    if (trace) {
      tracing = false;
      r.breakdown = openBreakdown(JSON.parse((await browser.stopTracing()).toString()).traceEvents, r.ms);
    }
    return r;
  } finally {
    // A failed traced sample must not leave the browser tracing: the next one could not start.
    if (tracing) await browser.stopTracing().catch(() => {});
    await context.close();
  }
}

/** The trace breakdown (lib/open-trace.mjs) per page: medians, then what "other" was. */
function printBreakdown(ids, traced) {
  printTable(
    `Where the time to open went (ms, medians of ${TRACE_SAMPLES} traced cold contexts, default motion; tracing slows pages: compare rows, not with the untraced medians)`,
    ['page', ...BREAKDOWN, 'total'],
    ids.map((id) => [PAGES[id].name, ...[...BREAKDOWN, 'total'].map((c) => median(traced[id].map((b) => b[c])).toFixed(1))]),
  );
  for (const id of ids) {
    // The largest named events in "other" (mean per sample), so a large figure has a name.
    const names = {};
    for (const b of traced[id]) for (const [n, ms] of Object.entries(b.otherByName)) names[n] = (names[n] ?? 0) + ms / traced[id].length;
    const top = Object.entries(names).sort((x, y) => y[1] - x[1]).filter(([, ms]) => ms >= 0.5).slice(0, 3);
    if (top.length) console.log(`${PAGES[id].name}, other: ${top.map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join(', ')} (ms, mean per sample)`);
  }
  console.log('script: JavaScript and the DOM work it does itself; compile: V8 compiling it; style: style recalculation; layout: layout (showModal() and focus() force both); other: the rest of the main thread\'s tasks (RunTask: a task\'s own time, work no traced event names); idle: the main thread waited (the network).');
}

const stats = (xs) => ({ median: round(median(xs), 1), p90: round(quantile(xs, 0.9), 1), min: round(Math.min(...xs), 1), max: round(Math.max(...xs), 1), samples: xs.map((x) => round(x, 1)) });

await main('open', async () => {
  ensureBuilt(['dist/mfa-elements.iife.js', 'dist/server/index.js']);
  const versions = ensurePackages('open');
  const scripts = await pageScripts();
  const server = await startServer(scripts);
  if (process.env.BENCH_OPEN_SERVE) {
    // Manual look: serve the pages (signed in via the printed cookie) until Ctrl-C.
    const cookie = await signInAndEnroll(server.url, 'bench-open');
    console.log(`serving ${Object.keys(PAGES).map((id) => `${server.url}/bench/${id}.html`).join(' ')}; cookie ${cookie.name}=${cookie.value}`);
    await new Promise(() => {});
  }
  // A browser that does not start must not leave the server running (the process would never exit).
  const browser = await chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ARGS }).catch(async (err) => {
    await server.stop();
    throw err;
  });
  const chromiumVersion = browser.version();
  console.log(TRACE_ONLY
    ? `bench:open — Chromium ${chromiumVersion} (${EXECUTABLE}), where the time goes: ${TRACE_SAMPLES} traced cold contexts per page, nothing written`
    : `bench:open — Chromium ${chromiumVersion} (${EXECUTABLE}), ${SAMPLES} samples per page and motion setting, cold context each`);
  const rounds = TRACE_ONLY ? 0 : SAMPLES;
  const ids = Object.keys(PAGES);
  const traced = Object.fromEntries(ids.map((id) => [id, []]));
  const raw = Object.fromEntries(MOTION.map((m) => [m, Object.fromEntries(ids.map((id) => [id, { ms: [], fromNavigation: [], how: {} }]))]));
  try {
    // One signed-in user per round: the server allows 30 challenges per user per 10 minutes.
    const cookies = [];
    for (let round = 0; round <= Math.max(rounds, TRACE_SAMPLES); round++) cookies.push(await signInAndEnroll(server.url, `bench-open-${round}`));
    const spare = cookies[cookies.length - 1];
    // Warm-up (server, browser); a smoke run goes straight to its one measured round.
    if (!SMOKE) for (const id of ids) for (const motion of MOTION) await sample(browser, server.url, spare, id, motion);
    for (let round = 0; round < rounds; round++) {
      const cookie = cookies[round];
      for (const motion of MOTION) {
        for (let j = 0; j < ids.length; j++) {
          const id = ids[(j + round) % ids.length];
          const r = await sample(browser, server.url, cookie, id, motion);
          const slot = raw[motion][id];
          slot.ms.push(r.ms);
          slot.fromNavigation.push(r.fromNavigation);
          slot.how[r.how] = (slot.how[r.how] ?? 0) + 1;
          if (r.request) (slot.request ??= { start: [], end: [] }).start.push(r.request.start), slot.request.end.push(r.request.end);
          if (r.guarded) (slot.guarded ??= { start: [], end: [] }).start.push(r.guarded.start), slot.guarded.end.push(r.guarded.end);
        }
      }
      process.stdout.write(`\rround ${round + 1}/${SAMPLES}`);
    }
    if (rounds) process.stdout.write('\n');
    for (let round = 0; round < TRACE_SAMPLES; round++) {
      for (let j = 0; j < ids.length; j++) {
        const id = ids[(j + round) % ids.length];
        traced[id].push((await sample(browser, server.url, cookies[round], id, 'no-preference', { trace: true })).breakdown);
      }
    }
  } finally {
    await browser.close();
    await server.stop();
  }

  if (TRACE_ONLY) return printBreakdown(ids, traced);

  const results = {};
  for (const motion of MOTION) {
    results[motion] = {};
    for (const id of ids) {
      const slot = raw[motion][id];
      results[motion][id] = {
        name: PAGES[id].name, fromBundleStartMs: stats(slot.ms), fromNavigationMs: stats(slot.fromNavigation), detectedBy: slot.how,
        ...(slot.request && { challengeRequestMs: { sentAt: stats(slot.request.start), answeredAt: stats(slot.request.end) } }),
        ...(slot.guarded && { guardedRequestMs: { sentAt: stats(slot.guarded.start), answeredAt: stats(slot.guarded.end) } }),
      };
    }
    for (const id of ids) results[motion][id].oursDividedByThis = round(results[motion].ours.fromBundleStartMs.median / results[motion][id].fromBundleStartMs.median, 2);
  }
  const rows = [];
  for (const id of ids) {
    for (const motion of MOTION) {
      const r = results[motion][id];
      rows.push([
        r.name, motion === 'reduce' ? 'reduce' : 'default',
        r.fromBundleStartMs.median.toFixed(1), r.fromBundleStartMs.p90.toFixed(1),
        r.fromNavigationMs.median.toFixed(1), r.fromNavigationMs.p90.toFixed(1),
      ]);
    }
  }
  printTable(
    `Time to open: bundle start → code input focused (ms), Chromium ${chromiumVersion}, ${SAMPLES} cold contexts per row`,
    ['page', 'motion', 'median', 'p90', 'from navigation: median', 'p90'],
    rows,
  );
  console.log('\nEach of ours makes one POST /mfa/challenges round trip to the demo server (SQLite); "first step known" focuses the input, then sends it (typing starts while it is in flight), "nothing known" focuses after its answer, mfaFetch first gets the route\'s 401, then opens as "first step known" does. The others make no request.');
  for (const motion of MOTION) {
    for (const id of ['ours', 'oursCold', 'oursFetch']) {
      const r = results[motion][id].challengeRequestMs;
      const g = results[motion][id].guardedRequestMs;
      if (r) console.log(`${id} (${motion}): ${g ? `the route's 401 sent at ${g.sentAt.median} ms, answered at ${g.answeredAt.median} ms; ` : ''}challenge request sent at ${r.sentAt.median} ms, answered at ${r.answeredAt.median} ms after bundle start; input focused at ${results[motion][id].fromBundleStartMs.median} ms (medians)`);
    }
  }

  if (TRACE_SAMPLES) printBreakdown(ids, traced);

  writeResult('open', {
    machine: machineInfo({ chromium: chromiumVersion, chromiumPath: EXECUTABLE, playwrightCore: JSON.parse(readFileSync(join(ROOT, 'node_modules/playwright-core/package.json'), 'utf8')).version }),
    config: { samples: SAMPLES, motion: MOTION, coldContext: true, headless: true, args: ARGS, lit: versions.lit, shoelace: versions['@shoelace-style/shoelace'] },
    results,
  });
});
