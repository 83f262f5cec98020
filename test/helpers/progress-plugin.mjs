// Names what a browser test file was doing when it stopped answering. wtr only says "did not
// finish within 120000ms" for a hung file: a page's results and logs arrive when it finishes, so
// a hang leaves nothing to read. This plugin keeps, per test file, the test that started last
// (announced by test/helpers/report-progress.ts before each test) and the last command the page
// sent (sendKeys, setViewport, …) with whether it returned; `hungReport` prints both for the
// files that did not finish.
//
// wtr puts its own command plugins before the config's, so this one cannot see their commands by
// coming first: at server start it wraps every other plugin's `executeCommand` instead. wtr asks
// the plugins in turn until one answers (not undefined); each is told the same command.

/** @returns {import('@web/test-runner').TestRunnerPlugin & { hungReport(sessions: any[]): string[] }} */
export function progressPlugin() {
  /** testFile → { test, testAt, command, commandAt, answered } */
  const progress = new Map();
  const entry = (file) => progress.get(file) ?? progress.set(file, {}).get(file);
  return {
    name: 'test-progress',
    serverStart({ config }) {
      for (const plugin of config.plugins ?? []) {
        const run = plugin.executeCommand;
        if (!run || plugin.name === 'test-progress') continue;
        plugin.executeCommand = async function (args) {
          if (args.command === 'test-progress') return run.call(this, args); // ours, recorded as the test
          const e = entry(args.session.testFile);
          const name = `${args.command} ${JSON.stringify(args.payload ?? null).slice(0, 80)}`;
          if (e.command !== name || e.answered) Object.assign(e, { command: name, commandAt: Date.now(), answered: false });
          const result = await run.call(this, args);
          if (result !== undefined) e.answered = true;
          return result;
        };
      }
    },
    executeCommand({ command, payload, session }) {
      if (command !== 'test-progress') return undefined;
      const e = Object.assign(entry(session.testFile), { test: String(payload?.title ?? ''), testAt: Date.now() });
      if (!e.watched) watchPage(e, session);
      e.rearm?.();
      return true;
    },
    hungReport(sessions) {
      const now = Date.now();
      const ago = (t) => `${((now - t) / 1000).toFixed(1)} s before the end`;
      return sessions
        .filter((s) => s.errors?.some((err) => /did not finish/.test(err.message ?? '')))
        .map((s) => {
          const e = progress.get(s.testFile) ?? {};
          const test = e.test === undefined ? 'none' : `"${e.test}" (${ago(e.testAt)})`;
          const command = e.command === undefined ? 'none' : `${e.command} (sent ${ago(e.commandAt)}; ${e.answered ? 'answered' : 'NOT answered'})`;
          const page = e.page?.length ? `; the page: ${e.page.join('; ')}` : '; the page: no crash, navigation or uncaught error seen';
          const stall = e.stall ? `; ${STALL_MS / 1000} s after that test started: ${e.stall}` : '';
          return `wtr: ${s.testFile} did not finish. Last test started: ${test}; last command: ${command}${page}${stall}`;
        });
    },
  };
}

/**
 * What happened to the test page itself: a renderer crash, a navigation of its main frame (the
 * test runner on it is gone) or an uncaught error. A hang without any of them is a blocked main
 * thread (e.g. an endless chain of microtasks, which starves mocha's own timeout).
 */
function watchPage(e, session) {
  e.watched = true;
  e.page = [];
  const page = session.browser.type === 'playwright' ? session.browser.getPage(session.id) : undefined;
  if (!page) return;
  const start = page.mainFrame().url();
  const note = (what) => e.page.length < 20 && e.page.push(`${what} (${new Date().toISOString().slice(11, 23)})`);
  page.on('crash', () => note('the renderer crashed'));
  page.on('framenavigated', (frame) => frame === page.mainFrame() && frame.url() !== start && note(`navigated to ${frame.url()}`));
  page.on('pageerror', (err) => note(`uncaught ${String(err?.message ?? err).slice(0, 160)}`));
  // The debugger is enabled now, while the page answers: on a blocked main thread only a few
  // DevTools methods still get through (they interrupt the running script), and `Debugger.pause`
  // is one of them, but `Debugger.enable` is not.
  const scripts = new Map(); // scriptId → url: a paused frame names its script by id only
  const debug = page.context().newCDPSession(page).then(async (cdp) => {
    cdp.on('Debugger.scriptParsed', (s) => s.url && scripts.set(s.scriptId, s.url));
    await cdp.send('Debugger.enable');
    return { cdp, scripts };
  }).catch(() => undefined);
  // Requests the page still waits an answer for, for the stall report.
  const inFlight = new Set();
  page.on('request', (r) => inFlight.add(r));
  page.on('response', (r) => inFlight.delete(r.request()));
  page.on('requestfailed', (r) => inFlight.delete(r));
  // A test that has not given way to the next one STALL_MS after it started (three times mocha's
  // own timeout) is stuck: look at the page once, while it is still open.
  let timer;
  e.rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void inspectStall(page, debug, inFlight).then((what) => (e.stall = what)), STALL_MS);
    timer.unref();
  };
  page.on('close', () => clearTimeout(timer));
}

const STALL_MS = 30_000;

/**
 * What a stuck page is doing: whether its main thread still runs a task and an animation frame,
 * the JavaScript it runs (the debugger pauses it wherever it is, even in an endless loop or chain
 * of microtasks), and the requests it still waits for.
 */
async function inspectStall(page, debug, inFlight) {
  if (page.isClosed()) return undefined;
  const within = (promise, ms, otherwise) => Promise.race([promise, new Promise((r) => setTimeout(() => r(otherwise), ms).unref())]);
  const out = [];
  try {
    const task = await within(page.evaluate(() => new Promise((r) => setTimeout(() => r('runs'), 0))), 3_000, 'does NOT run');
    const frame = await within(page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r('runs')))), 3_000, 'does NOT run');
    out.push(`a timer task ${task}, an animation frame ${frame}`);
    const { cdp, scripts } = (await within(debug, 1_000, undefined)) ?? {};
    if (!cdp) throw new Error('no debugger session');
    const paused = new Promise((r) => cdp.once('Debugger.paused', r));
    await cdp.send('Debugger.pause');
    const stop = await within(paused, 3_000, undefined);
    if (stop) {
      const frames = stop.callFrames.slice(0, 8).map((f) => `${f.functionName || '(anonymous)'} ${(scripts.get(f.location.scriptId) ?? '?').replace(/^.*\/\/[^/]+/, '').replace(/\?.*$/, '')}:${f.location.lineNumber + 1}`);
      out.push(`its JavaScript, paused: ${frames.join(' < ') || '(no frames)'}`);
      await cdp.send('Debugger.resume').catch(() => {});
    } else {
      out.push('no JavaScript ran within 3 s of asking the debugger to pause');
    }
  } catch (err) {
    out.push(`could not look (${String(err?.message ?? err).slice(0, 120)})`);
  }
  const waiting = [...inFlight].map((r) => `${r.method()} ${r.url().replace(/^.*\/\/[^/]+/, '')}`);
  out.push(waiting.length ? `requests not answered: ${waiting.slice(0, 10).join(', ')}` : 'no request waits for an answer');
  return out.join('; ');
}
