/**
 * The example backends (examples/python-flask, examples/go, examples/java) in their real
 * languages: each one's vector checker must give every vector of test/vectors/step-up-tokens.json
 * its verdict and reason, and each one's server, started as a process beside the reference server,
 * must answer exactly like the Node guard (status, RFC 9470 header, body) and accept a token the
 * real server issued after a real TOTP step-up over HTTP.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { build, checkVectors, LANGUAGES, startBackend, startExpectingFailure, VECTORS, type Built, type Language, type RunningBackend } from './backends.js';
import { AUDIENCE, ISSUER, SESSION_SECRET, sessionCookie, startService } from './live-service.js';

const file = JSON.parse(readFileSync(VECTORS, 'utf8')) as { vectors: { name: string; verdict: string; reason: string }[] };

/** What a client observes of an answer: status, the headers the guard sets, the body (key order included). */
async function observe(res: Response) {
  const text = await res.text();
  return {
    status: res.status,
    'www-authenticate': res.headers.get('www-authenticate'),
    'content-type': res.headers.get('content-type'),
    'cache-control': res.headers.get('cache-control'),
    body: JSON.stringify(JSON.parse(text)),
  };
}

describe('example backends', () => {
  const built = new Map<Language, Built>();
  const vectorRuns = new Map<Language, Awaited<ReturnType<typeof checkVectors>>>();
  const backends = new Map<Language, RunningBackend>();
  let service: Awaited<ReturnType<typeof startService>>;

  before(async () => {
    service = await startService();
    // Languages are independent: build, check vectors and start the servers in parallel.
    await Promise.all(
      LANGUAGES.map(async (lang) => {
        const b = await build(lang);
        built.set(lang, b);
        const [run, backend] = await Promise.all([
          checkVectors(lang, b),
          startBackend(lang, b, {
            APP_SESSION_SECRET: SESSION_SECRET,
            MFA_SERVICE_URL: service.url,
            MFA_ISSUER: ISSUER,
            MFA_AUDIENCE: AUDIENCE,
            MFA_JWKS_URL: service.jwksUrl,
            MFA_ACCEPT_BEARER: '1',
          }),
        ]);
        vectorRuns.set(lang, run);
        backends.set(lang, backend);
      }),
    );
  });

  after(async () => {
    await Promise.all([...backends.values()].map((b) => b.stop()));
    await service?.close();
  });

  for (const lang of LANGUAGES) {
    describe(lang, () => {
      test('gives every vector its verdict and reason', () => {
        const run = vectorRuns.get(lang)!;
        assert.deepEqual(
          run.lines.map(({ name, verdict, reason }) => ({ name, verdict, reason })),
          file.vectors.map(({ name, verdict, reason }) => ({ name, verdict, reason })),
          run.stderr,
        );
        assert.equal(run.code, 0, run.stderr);
      });

      test('bad configuration stops start-up with one clear line', async () => {
        const base = { APP_SESSION_SECRET: SESSION_SECRET, MFA_ISSUER: ISSUER, MFA_JWKS_URL: service.jwksUrl };
        const cases: [Record<string, string>, RegExp][] = [
          [{ ...base, APP_SESSION_SECRET: '' }, /set APP_SESSION_SECRET/],
          [{ ...base, MFA_MAX_LIFETIME: '5m' }, /MFA_MAX_LIFETIME must be a whole number of seconds/],
          [{ ...base, MFA_ISSUER: '', MFA_SERVICE_URL: '' }, /set MFA_SERVICE_URL \(or MFA_ISSUER and MFA_JWKS_URL\)/],
        ];
        for (const [env, message] of cases) {
          const { code, output } = await startExpectingFailure(lang, built.get(lang)!, env);
          assert.notEqual(code, 0, output);
          const lines = output.trim().split('\n');
          assert.equal(lines.length, 1, output);
          assert.match(lines[0]!, message);
        }
      });

      test('answers a request without a session like the Node guard (plain 401, no step-up details)', async () => {
        const ex = await observe(await fetch(`${backends.get(lang)!.url}/transfer`, { method: 'POST' }));
        const node = await observe(await fetch(`${service.url}/transfer`, { method: 'POST' }));
        assert.equal(node.status, 401);
        assert.equal(node['www-authenticate'], null);
        assert.deepEqual(ex, node);
      });

      test('answers a missing, a garbage and an other-action token with the Node guard\'s RFC 9470 401', async () => {
        const cookie = await sessionCookie(`${lang}-nobody`, 's1');
        const otherAction = await service.stepUp(`${lang}-other`, 's1', 'payments', 'refund');
        const otherCookie = await sessionCookie(`${lang}-other`, 's1');
        const cases: [string, Record<string, string>][] = [
          ['no token', { cookie }],
          ['garbage', { cookie, 'step-up-token': 'not.a.jwt' }],
          ['payments/refund token', { cookie: otherCookie, 'step-up-token': otherAction }],
        ];
        for (const [what, headers] of cases) {
          const ex = await observe(await fetch(`${backends.get(lang)!.url}/transfer`, { method: 'POST', headers }));
          const node = await observe(await fetch(`${service.url}/transfer`, { method: 'POST', headers }));
          assert.equal(node.status, 401, what);
          assert.match(node['www-authenticate']!, /^Bearer error="insufficient_user_authentication", acr_values="mfa", max_age=300$/);
          // The same answer, but for `likely_factor`: a hint only the MFA server can give (it knows
          // the user's factors); a backend that verifies tokens on its own leaves it out.
          assert.deepEqual(ex, withoutHint(node), what);
        }
        const statements = await observe(await fetch(`${backends.get(lang)!.url}/statements`, { headers: { cookie } }));
        assert.deepEqual(statements, await observe(await fetch(`${service.url}/statements`, { headers: { cookie } })));
      });

      test('accepts a token the reference server issued after a real TOTP step-up, only in its own session', async () => {
        const sub = `${lang}-alice`;
        const token = await service.stepUp(sub, 'session-a');
        const url = `${backends.get(lang)!.url}/transfer`;
        const ok = await fetch(url, { method: 'POST', headers: { cookie: await sessionCookie(sub, 'session-a'), 'step-up-token': token } });
        assert.equal(ok.status, 200, backends.get(lang)!.output());
        assert.deepEqual(await ok.json(), { ok: true, sub, amr: ['otp'] });
        // Reusable route: the same token works again until it expires.
        const again = await fetch(url, { method: 'POST', headers: { cookie: await sessionCookie(sub, 'session-a'), 'step-up-token': token } });
        assert.equal(again.status, 200);
        // These backends opted in to `Authorization: Bearer` (keys.test.ts runs ones that did not).
        const bearer = await fetch(url, { method: 'POST', headers: { cookie: await sessionCookie(sub, 'session-a'), authorization: `Bearer ${token}` } });
        assert.equal(bearer.status, 200);
        // The same user's other app session, and another user, are refused.
        for (const cookie of [await sessionCookie(sub, 'session-b'), await sessionCookie(`${lang}-mallory`, 'session-a')]) {
          const res = await fetch(url, { method: 'POST', headers: { cookie, 'step-up-token': token } });
          assert.equal(res.status, 401);
          assert.equal((await res.json()).error.code, 'insufficient_user_authentication');
        }
        // The cookie is checked too: a forged session assertion is no session at all.
        const forged = `${(await sessionCookie(sub, 'session-a')).slice(0, -4)}AAAA`;
        const res = await fetch(url, { method: 'POST', headers: { cookie: forged, 'step-up-token': token } });
        assert.deepEqual(await res.json(), { error: { code: 'unauthenticated', message: 'Sign in first.' } });
      });
    });
  }
});

/** An observed 401 without the optional `likely_factor` hint of the step-up body. */
function withoutHint<T extends { body?: string }>(observed: T): T {
  if (!observed.body) return observed;
  const { likely_factor: _hint, ...body } = JSON.parse(observed.body) as Record<string, unknown>;
  return { ...observed, body: JSON.stringify(body) };
}
