// @ts-check
/**
 * The demo application (README "Two commands"): a toy bank with a cookie session, the reference MFA server
 * mounted at /mfa, guarded routes (a bound transfer, statements, account deletion, a bank
 * connection), the dev outbox and the audit log. Used by `npm start` (demo/server.mjs), by the browser tests (mounted inside web-test-runner) and by the e2e tests.
 * The session is deliberately minimal: it stands in for the app's own sign-in. It lives in the
 * configured store (demo/sessions.mjs), so instances that share a store share sessions.
 */
import { Hono } from 'hono';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Outbox, createMfaServer, sameAnswer } from '../dist/server/index.js';
import { memorySessions, sessionHash, sqliteSessions } from './sessions.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json', '.json': 'application/json', '.svg': 'image/svg+xml' };
const SESSION_COOKIE = 'demo_session';
/** Over HTTPS the cookie is `__Host-` prefixed and Secure (bound to this host, never sent in clear). */
const SECURE_COOKIE = `__Host-${SESSION_COOKIE}`;
/** @param {Request} request */
const isHttps = (request) => new URL(request.url).protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https';
/**
 * The one cookie name accepted on this request: over HTTPS only `__Host-demo_session` (an
 * unprefixed cookie could have been planted by a sibling host or over plain HTTP), over HTTP only
 * `demo_session`.
 * @param {Request} request
 */
const cookieName = (request) => (isHttps(request) ? SECURE_COOKIE : SESSION_COOKIE);
/** `Set-Cookie` for the session (value '' clears it). @param {Request} request @param {string} value */
const sessionCookie = (request, value) =>
  `${cookieName(request)}=${value}; Path=/; HttpOnly; SameSite=Lax${isHttps(request) ? '; Secure' : ''}${value ? '' : '; Max-Age=0'}`;
/**
 * The demo bank's KBA plugin: what a bank aggregator (the MX model) asks before it connects an
 * account. The answers are printed on /bank.html — it is a demo.
 * @param {string} sub @param {{ resource: string, action: string }} scope
 * @returns {import('../dist/server/index.js').KbaQuestion[] | null}
 */
function bankQuestions(sub, { resource, action }) {
  if (resource !== 'bank') return null;
  if (action === 'picture') {
    // "Choose your security picture": pictures are data: URLs (never script), checked server-side too.
    const tile = (color) => `data:image/png;base64,${PNG_TILES[color]}`;
    return [{
      type: 'image',
      label: 'Which picture did you choose as your security image?',
      options: [{ label: 'Green', value: 'green', image: tile('green') }, { label: 'Blue', value: 'blue', image: tile('blue') }, { label: 'Orange', value: 'orange', image: tile('orange') }],
      check: (v) => v === 'blue',
    }];
  }
  return [
    { type: 'text', label: 'What was the name of your first pet?', check: (v) => sameAnswer(v, 'Rex') },
    {
      type: 'options',
      label: 'Which of these accounts is yours?',
      options: [
        { label: 'Checking ••• 4821', value: 'acc-4821' },
        { label: 'Savings ••• 1177', value: 'acc-1177' },
        { label: 'Credit card ••• 9034', value: 'acc-9034' },
      ],
      check: (v) => v === 'acc-4821',
    },
    { type: 'code', label: 'Enter the code your bank sent you', sendTo: { type: 'email', address: `${sub}@bank.example` } },
  ];
}

/** 8×8 single-color PNGs (base64) for the picture question. */
const PNG_TILES = {
  green: 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGPQmueCFTEMLQkAJ85DAQjhVdAAAAAASUVORK5CYII=',
  blue: 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGPgijiFFTEMLQkAHntLAZZMCXgAAAAASUVORK5CYII=',
  orange: 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGP40sSLFTEMLQkAB8JgwYlVpf4AAAAASUVORK5CYII=',
};

/** Every send budget off: for the test suites only, which send many codes from 127.0.0.1. */
export const NO_SEND_BUDGETS = { perUser: false, perIp: false, perDestination: false, perCountry: false, global: false };

/**
 * @param {{ dataDir?: string, store?: import('../dist/server/index.js').MfaStore, origins?: string[],
 *   sessions?: import('./sessions.mjs').DemoSessions, sendBudgets?: Record<string, false>, rateLimits?: Record<string, false>, now?: () => number }} [options] `sessions`: where the demo's own
 *   sign-in sessions live (demo/sessions.mjs; demo/server.mjs picks SQLite or Redis like the MFA
 *   store). Default: SQLite in `dataDir` (`<dataDir>/demo.db`), or in memory when no `dataDir` is given.
 *   `close()` closes it too.
 */

export function createDemoApp(options = {}) {
  const sessions = options.sessions ?? (options.dataDir ? sqliteSessions(options.dataDir) : memorySessions());
  /** @type {Map<string, {amount: number, to: string, at: string}[]>} username → transfers made */
  const transfers = new Map();

  /** The session cookie's value, under the one name this request's scheme allows. @param {Request} request */
  const sessionId = (request) => {
    const cookie = request.headers.get('cookie') ?? '';
    const match = cookie.match(new RegExp(`(?:^|;\\s*)${cookieName(request)}=([A-Za-z0-9_-]+)`));
    return match?.[1];
  };
  /**
   * Who is signed in: looked up in the shared session store, so any instance knows the session.
   * @param {Request} request @returns {Promise<{ sub: string, sessionId: string } | null>}
   */
  const authenticate = async (request) => {
    const id = sessionId(request);
    const username = id ? await sessions.get(id) : null;
    // Freshness is per app session; the MFA server gets a hash, never the cookie itself.
    return username ? { sub: username, sessionId: sessionHash(id).slice(0, 22) } : null;
  };
  /** Ends this request's session everywhere (and its recent step-ups); clears the cookie. */
  const endSession = async (c) => {
    const user = await authenticate(c.req.raw);
    if (user) await mfa.endSession(user); // recent step-ups end with the session
    const id = sessionId(c.req.raw);
    if (id) await sessions.delete(id);
    c.header('set-cookie', sessionCookie(c.req.raw, ''));
  };

  // Development "provider" for SMS, voice and email: messages land here and GET /demo/outbox shows them.
  const outbox = new Outbox();
  // Demo only: a flaky SMS provider for numbers ending in 0000 — every other message to them fails
  // (the 1st, 3rd, …), so "We couldn't send the code — send a new one" can be seen and tested.
  /** @type {Map<string, number>} */
  const flaky = new Map();
  /** @type {import('../dist/server/index.js').SmsSender} */
  const sms = {
    async sendSms(message) {
      if (/0000$/.test(message.to)) {
        const n = (flaky.get(message.to) ?? 0) + 1;
        flaky.set(message.to, n);
        if (n % 2 === 1) throw new Error('simulated provider outage');
      }
      await outbox.sendSms(message);
    },
  };

  const mfa = createMfaServer({
    authenticate,
    dataDir: options.dataDir,
    store: options.store,
    origins: options.origins,
    appName: 'mfa-elements demo',
    sms,
    email: outbox,
    // The demo shows the voice channel; a real deployment turns it on only if it wants calls.
    smsPolicy: { voice: true },
    // Tests drive hundreds of codes from 127.0.0.1 and lift the budgets (`npm start` keeps the defaults).
    ...(options.sendBudgets && { sendBudgets: options.sendBudgets }),
    // The same for challenge starts (bench:open's cold contexts all come from 127.0.0.1).
    ...(options.rateLimits && { rateLimits: options.rateLimits }),
    kba: { questions: bankQuestions },
    // The test harness moves the server's clock (an expired challenge without waiting 5 minutes).
    ...(options.now && { now: options.now }),
  });

  const app = new Hono();

  // Demo pages: no framing, no caching, scripts from this origin only.
  app.use('*', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    // One exception, for the Angular demo page only (demo only): it compiles its template JIT in the
    // browser, and Angular's JIT compiler creates functions with `new Function`, which needs
    // 'unsafe-eval'. Apps built with the Angular CLI compile ahead of time and need no eval; the demo
    // skips that build step (@angular/compiler-cli). Every other page — plain HTML, Vue (render
    // functions on Vue's runtime-only build) and React — runs under `script-src 'self'`.
    const scripts = c.req.path === '/angular.html' ? "'self' 'unsafe-eval'" : "'self'";
    c.header('cross-origin-opener-policy', 'same-origin');
    c.header('content-security-policy', `default-src 'self'; script-src ${scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'`);
  });

  app.route('/mfa', mfa.app);

  /** @param {any} c @param {number} status @param {string} code @param {string} message */
  const fail = (c, status, code, message) => c.json({ error: { code, message } }, status);
  /** State-changing demo routes check Origin like the MFA endpoints do (CSRF). */
  app.use('/demo/*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.header('origin') !== new URL(c.req.url).origin && !options.origins?.includes(c.req.header('origin') ?? '')) {
      return fail(c, 403, 'forbidden_origin', 'This request must come from the application itself.');
    }
    await next();
  });

  app.post('/demo/login', async (c) => {
    const body = await c.req.json().catch(() => null);
    const username = typeof body?.username === 'string' ? body.username.trim() : '';
    if (!/^[\w.@+-]{1,64}$/.test(username)) return fail(c, 400, 'malformed_request', 'Choose a user name of 1–64 letters, digits or . @ + - _');
    const id = await sessions.create(username);
    c.header('set-cookie', sessionCookie(c.req.raw, id));
    return c.json({ username });
  });

  app.post('/demo/logout', async (c) => {
    await endSession(c);
    return c.body(null, 204);
  });

  app.get('/demo/me', async (c) => {
    const user = await authenticate(c.req.raw);
    // Signed out is an answer, not an error: 200 with null (a 401 paints the console red on every signed-out page).
    return c.json({ username: user?.sub ?? null });
  });

  // What the dev senders "sent", newest first: the signed-in user's messages only (codes are secrets).
  app.get('/demo/outbox', async (c) => {
    const user = await authenticate(c.req.raw);
    if (!user) return fail(c, 401, 'unauthenticated', 'Sign in first.');
    return c.json({ messages: outbox.list(user.sub) });
  });

  // What the guarded handler really did (tests count it: a retried request must run it once).
  app.get('/demo/transfers', async (c) => {
    const user = await authenticate(c.req.raw);
    if (!user) return fail(c, 401, 'unauthenticated', 'Sign in first.');
    return c.json({ transfers: transfers.get(user.sub) ?? [] });
  });

  app.get('/demo/audit', async (c) => {
    const user = await authenticate(c.req.raw);
    if (!user) return fail(c, 401, 'unauthenticated', 'Sign in first.');
    return c.json({ events: await mfa.context.audit.list(user.sub, 50) });
  });

  // The transfer, bound to the transaction (docs/server.md "Binding a step-up to the transaction"):
  // the prompt shows the amount and the payee, and the token approves exactly those, once; a retry
  // with another amount or payee is refused. A body without a positive amount (cents at most) and a
  // payee names no transaction: 400, never a transfer of some default.
  /** @param {any} body @returns {{ amount: number, to: string }} */
  const transferOf = (body) => {
    const amount = body?.amount;
    const to = typeof body?.to === 'string' ? body.to.trim() : '';
    if (typeof amount !== 'number' || !(amount > 0 && amount <= 1_000_000) || Number(amount.toFixed(2)) !== amount || !to) {
      throw new Error('a transfer is { amount: a positive number of dollars, to: a payee }');
    }
    return { amount, to };
  };
  app.post('/api/transfer', mfa.requireStepUp({
    resource: 'payments',
    action: 'transfer',
    describe: 'Send money',
    bind: async (req) => {
      const { amount, to } = transferOf(await req.json().catch(() => null));
      return { amount: `$${amount.toFixed(2)}`, to };
    },
  }), async (c) => {
    const transfer = { ...transferOf(await c.req.json()), at: new Date().toISOString() };
    const by = c.get('stepUp').sub;
    transfers.set(by, [...(transfers.get(by) ?? []), transfer]);
    return c.json({ ok: true, transfer: { ...transfer, by } });
  });

  // Unbound and one-time: reading statements needs a fresh step-up, but no transaction is shown.
  // Concurrent reads share one prompt, and each is retried with a token of its own.
  /** `?month=YYYY-MM` (default: this month), checked before anyone is asked for a code. */
  const monthOf = (/** @type {import('hono').Context} */ c) => c.req.query('month') ?? new Date().toISOString().slice(0, 7);
  app.get('/api/statements', async (c, next) => {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(monthOf(c))) return fail(c, 400, 'malformed_request', 'month: YYYY-MM.');
    await next();
  }, mfa.requireStepUp({ resource: 'statements', action: 'read', describe: 'See your statements' }), (c) => {
    const month = monthOf(c);
    const by = c.get('stepUp').sub;
    const lines = (transfers.get(by) ?? []).filter((t) => t.at.startsWith(month));
    return c.json({ ok: true, statement: { month, transfers: lines, by } });
  });

  // The "bank connection" page: an MX-style question → options → code flow (KBA, acr "kba").
  // Knowledge answers are not MFA, so this route accepts acr "kba" explicitly; /api/transfer never would.
  app.post('/api/bank/connect', mfa.requireStepUp({ resource: 'bank', action: 'connect', acrValues: ['kba'] }), (c) =>
    c.json({ ok: true, connected: 'Checking ••• 4821', by: c.get('stepUp').sub }));

  app.delete('/api/account', mfa.requireStepUp({ resource: 'account', action: 'delete' }), async (c) => {
    // A toy bank: "deleting" ends the session; the MFA data stays for the next demo run.
    await endSession(c);
    return c.json({ ok: true, deleted: c.get('stepUp').sub });
  });

  /** @param {string} file */
  const send = async (c, file) => {
    try {
      const body = await readFile(file);
      return c.body(body, 200, { 'content-type': TYPES[/** @type {keyof TYPES} */ (extname(file))] ?? 'application/octet-stream' });
    } catch {
      return fail(c, 404, 'not_found', 'Not found.');
    }
  };
  /** Serves files under `dir` only (no `..` escapes). @param {string} dir @param {string} rel */
  const inside = (dir, rel) => {
    const path = normalize(join(dir, rel));
    return path.startsWith(dir + '/') ? path : null;
  };

  app.get('/', (c) => send(c, join(root, 'demo/public/index.html')));
  app.get('/dist/*', (c) => {
    const path = inside(join(root, 'dist'), c.req.path.slice('/dist/'.length));
    return path ? send(c, path) : fail(c, 404, 'not_found', 'Not found.');
  });
  // Vue's own ES module build for the Vue demo page, by exact name: nothing from the request
  // reaches a path (no traversal), and only this one file of node_modules is served.
  const vendor = new Map([['vue.runtime.esm-browser.prod.js', 'node_modules/vue/dist/vue.runtime.esm-browser.prod.js']]);
  app.get('/vendor/:file', (c) => {
    const file = vendor.get(c.req.param('file'));
    return file ? send(c, join(root, file)) : fail(c, 404, 'not_found', 'Not found.');
  });
  app.get('/:file{[a-z-]+\\.(?:js|css|html)}', (c) => {
    const path = inside(join(root, 'demo/public'), c.req.param('file'));
    return path ? send(c, path) : fail(c, 404, 'not_found', 'Not found.');
  });

  return { app, mfa, close: async () => { await mfa.close(); await sessions.close(); } };
}
