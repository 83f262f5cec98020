/**
 * The example backends beside the standalone service, as a deployment runs them: the service is
 * `mfa-elements serve` (package.json `bin`), two instances over one Redis; each backend is
 * configured with nothing but the service URL, the shared session secret and the admin token, and
 * finds issuer, keys and introspection through discovery. A user enrolls TOTP and steps up over
 * the HTTP protocol with the app-session assertion; then:
 *  - a reusable payments/transfer token opens `POST /transfer` on every backend;
 *  - a one-time statements/read token opens `GET /statements` exactly once across all three
 *    backends (consumed at the service), after which introspection says `active: false`;
 *  - a one-time token consumed through the Python backend is refused by a Node guard
 *    (`requireStepUp` of a Node app on the same Redis), and the reverse;
 *  - after `DELETE /mfa/session` (logout), a one-time route refuses the session's tokens.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
// @ts-expect-error: plain JS shared with the e2e tests (no declaration file); typed just below.
import * as authenticator from '../e2e/authenticator.mjs';
import { randomBytes } from 'node:crypto';
import { dropPrefix, redisUrl, uniquePrefix } from '../helpers/redis-server.js';
import { build, freePort, LANGUAGES, ROOT, startBackend, type Language, type RunningBackend } from './backends.js';
import { SESSION_COOKIE, SESSION_SECRET, sessionCookie } from './live-service.js';
import { Hono } from 'hono';
import { createMfaServer } from '../../src/server/mfa-server.js';
import { assertionAuthenticator } from '../../src/server/service/session-assertion.js';
import { RedisStore } from '../../src/server/stores/redis-store.js';
import { listen } from '../helpers/listen.js';

const codeAt: (secret: string, step: number) => string = authenticator.codeAt;
const currentStep: () => number = authenticator.currentStep;
const waitForStep: (step: number) => Promise<void> = authenticator.waitForStep;
const ADMIN_TOKEN = `admin-${randomBytes(16).toString("hex")}`; // the service refuses admin tokens under 32 characters
const APP_ORIGIN = 'http://app.example.test';

/** The `mfa-elements` command as package.json declares it. */
function serviceCommand(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['mfa-elements'];
  if (!bin) throw new Error('package.json has no "bin" for mfa-elements: this tree has no `mfa-elements serve` yet');
  return join(ROOT, bin);
}

/** One `mfa-elements serve` process; `env` adds to (or overrides) the environment below. */
async function startService(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-service-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [serviceCommand(), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      MFA_ORIGINS: APP_ORIGIN,
      MFA_SESSION_SECRET: SESSION_SECRET,
      MFA_SESSION_COOKIE: SESSION_COOKIE,
      MFA_ADMIN_TOKEN: ADMIN_TOKEN,
      // Where this instance is reached (discovery's jwks_uri and introspection_endpoint), which
      // is not the issuer once the instances share one.
      MFA_PUBLIC_URL: `${url}/mfa`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mfa-elements serve exited (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/mfa/.well-known/mfa-configuration`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mfa-elements serve did not answer its discovery document within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop, output: () => output };
}

/**
 * Two service instances sharing one Redis (as a deployment behind a load balancer runs them):
 * the user steps up through the first; the Python backend asks the first, Go and Java the second.
 * Both instances need the same encryption key (the signing key is sealed with it), prefix and
 * issuer (each would otherwise name itself by its own origin).
 */
async function startServices() {
  const redis = await redisUrl();
  const shared = {
    MFA_STORE: redis,
    MFA_REDIS_PREFIX: uniquePrefix('service-e2e'),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    MFA_ISSUER: 'https://mfa.example.test',
  };
  const [a, b] = await Promise.all([startService(shared), startService(shared)]);
  return {
    a, b, redis, shared,
    async stop() {
      await Promise.all([a.stop(), b.stop()]);
      await dropPrefix(redis, shared.MFA_REDIS_PREFIX);
    },
  };
}

/** Which service instance each backend talks to. */
const INSTANCE_OF: Record<Language, 'a' | 'b'> = { python: 'a', go: 'b', java: 'b' };

describe('example backends beside two `mfa-elements serve` instances on one Redis', () => {
  let services: Awaited<ReturnType<typeof startServices>>;
  let service: Awaited<ReturnType<typeof startService>>;
  const backends = new Map<Language, RunningBackend>();
  let cookie: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(service.url + path, {
      method,
      headers: { cookie, origin: APP_ORIGIN, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}\n${service.output()}`);
    return text ? (JSON.parse(text) as Record<string, any>) : {};
  };

  let secret = '';
  let lastStep = 0;
  /**
   * A step-up token (a new jti each time): from freshness when the service still counts the last
   * step-up of this (resource, action), else with the authenticator's next unused code (each code
   * works once and never an older one, so wait for the clock when the window is spent).
   */
  async function stepUp(resource: string, action: string): Promise<string> {
    const challenge = await call('POST', '/mfa/challenges', { resource, action });
    if (challenge.status === 'VERIFIED') return challenge.token as string;
    await waitForStep(lastStep);
    lastStep += 1;
    const verified = await call('POST', `/mfa/challenges/${challenge.challengeId}/resume`, {
      answers: [{ guid: challenge.challenges[0].guid, value: codeAt(secret, lastStep) }],
    });
    assert.equal(verified.status, 'VERIFIED');
    return verified.token as string;
  }

  const introspect = async (token: string, consume = false, at = service) => {
    const res = await fetch(`${at.url}/mfa/introspect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, ...(consume && { consume: 'true' }) }).toString(),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Record<string, unknown>;
  };

  before(async () => {
    services = await startServices();
    service = services.a;
    await Promise.all(
      LANGUAGES.map(async (lang) => {
        const b = await build(lang);
        const url = services[INSTANCE_OF[lang]].url;
        backends.set(lang, await startBackend(lang, b, { APP_SESSION_SECRET: SESSION_SECRET, MFA_SERVICE_URL: url, MFA_ADMIN_TOKEN: ADMIN_TOKEN }));
      }),
    );
    cookie = await sessionCookie(`e2e-${Date.now()}`, 'e2e-session');
    const enrollment = await call('POST', '/mfa/factors', { type: 'totp' });
    secret = enrollment.secret as string;
    lastStep = currentStep();
    await call('POST', `/mfa/factors/${enrollment.factorId}/confirm`, { code: codeAt(secret, lastStep) });
  });

  after(async () => {
    await Promise.all([...backends.values()].map((b) => b.stop()));
    await services?.stop();
  });

  test('discovery names what the backends need', async () => {
    const meta = (await (await fetch(`${service.url}/mfa/.well-known/mfa-configuration`)).json()) as Record<string, unknown>;
    assert.equal(meta.token_type, 'mfa-step-up+jwt');
    assert.equal(meta.token_header, 'Step-Up-Token');
    for (const field of ['issuer', 'jwks_uri', 'introspection_endpoint', 'token_audience']) assert.equal(typeof meta[field], 'string', field);
  });

  test('a reusable payments/transfer token opens POST /transfer on every backend', async () => {
    const token = await stepUp('payments', 'transfer');
    for (const [lang, b] of backends) {
      const res = await fetch(`${b.url}/transfer`, { method: 'POST', headers: { cookie, 'step-up-token': token } });
      assert.equal(res.status, 200, `${lang}: ${await res.clone().text()}\n${b.output()}`);
    }
  });

  test('a one-time statements/read token opens GET /statements once across all three backends', async () => {
    for (const first of LANGUAGES) {
      const token = await stepUp('statements', 'read');
      const get = (lang: Language) => fetch(`${backends.get(lang)!.url}/statements`, { headers: { cookie, 'step-up-token': token } });
      const opened = await get(first);
      assert.equal(opened.status, 200, `${first}: ${await opened.clone().text()}\n${backends.get(first)!.output()}`);
      for (const lang of LANGUAGES) {
        const replay = await get(lang);
        assert.equal(replay.status, 401, `${lang} replayed a token ${first} consumed`);
        assert.match(replay.headers.get('www-authenticate') ?? '', /error="insufficient_user_authentication"/);
      }
      assert.equal((await introspect(token)).active, false);
      assert.equal((await introspect(token, false, services.b)).active, false, 'spent on the other instance too');
    }
  });

  test('concurrent use of one one-time token: exactly one backend request succeeds', async () => {
    const token = await stepUp('statements', 'read');
    const answers = await Promise.all(
      LANGUAGES.flatMap((lang) => [0, 1].map(() => fetch(`${backends.get(lang)!.url}/statements`, { headers: { cookie, 'step-up-token': token } }))),
    );
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 401, 401, 401, 401, 401]);
  });

  test('a one-time token consumed through the Python backend is refused by a Node guard on the same Redis, and the reverse', async () => {
    // A Node app guarding its own route with requireStepUp, as one more instance of the same
    // deployment: same Redis and prefix, same encryption key (signing keys), same issuer, and the
    // same app-session assertion as the services.
    const store = await RedisStore.connect({ url: services.redis, prefix: services.shared.MFA_REDIS_PREFIX });
    const mfa = createMfaServer({
      store,
      encryptionKey: Buffer.from(services.shared.MFA_ENCRYPTION_KEY, 'hex'),
      issuer: services.shared.MFA_ISSUER,
      origins: [APP_ORIGIN],
      authenticate: assertionAuthenticator({ secret: SESSION_SECRET, cookie: SESSION_COOKIE }),
    });
    const app = new Hono();
    app.get('/statements', mfa.requireStepUp({ resource: 'statements', action: 'read' }), (c) => c.json({ ok: true }));
    const node = await listen(app.fetch);
    const python = backends.get('python')!;
    const get = (url: string, token: string) => fetch(`${url}/statements`, { headers: { cookie, 'step-up-token': token } });
    try {
      // The guard accepts a fresh token (so its refusal below is about consumption, nothing else).
      assert.equal((await get(node.url, await stepUp('statements', 'read'))).status, 200);

      const viaPython = await stepUp('statements', 'read');
      assert.equal((await get(python.url, viaPython)).status, 200, python.output());
      const refused = await get(node.url, viaPython);
      assert.equal(refused.status, 401, 'the Node guard accepted a token the Python backend had consumed');
      assert.match(refused.headers.get('www-authenticate') ?? '', /error="insufficient_user_authentication"/);

      const viaNode = await stepUp('statements', 'read');
      assert.equal((await get(node.url, viaNode)).status, 200);
      assert.equal((await get(python.url, viaNode)).status, 401, 'the Python backend accepted a token the Node guard had consumed');
      assert.equal((await introspect(viaNode, false, services.b)).active, false);
    } finally {
      await node.close();
      await mfa.close();
    }
  });

  test('after logout (DELETE /mfa/session) a one-time route refuses the session\'s tokens', async () => {
    const token = await stepUp('statements', 'read');
    await call('DELETE', '/mfa/session');
    for (const [lang, b] of backends) {
      const res = await fetch(`${b.url}/statements`, { headers: { cookie, 'step-up-token': token } });
      assert.equal(res.status, 401, lang);
    }
  });
});
