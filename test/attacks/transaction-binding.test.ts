/**
 * Attack: approve one transaction, carry out another (security review: "one payments/transfer
 * token carried five more transfers with a different amount and payee"). A step-up used to prove
 * only "this user typed a code recently"; a script on the page (or anyone holding the token)
 * could swap the amount or the payee on the retried request.
 *
 * A bound route (`requireStepUp({ bind })`) names the transaction in its 401 (`details`,
 * `binding`); the token carries `txn`, and the guard recomputes it from the retried request. Here,
 * against the real HTTP stack: the token opens the route once for exactly that body; another
 * amount, another payee, an unbound token and a second use are refused — also across two server
 * processes sharing Redis. Freshness never answers a bound step-up, a client cannot slip in a
 * binding that is not the digest of the details, and hostile details get a clear 400.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { STEP_UP_HEADER } from '../../src/core/types.js';
import { bindingOf } from '../../src/server/binding.js';
import { assertErrorShape, makeServer, type Harness } from '../server/harness.js';
import { call, codeAt, currentStep, instancesOnRedis, type Answer, type Instance } from '../helpers/instance-server.js';

const SCOPE = { resource: 'payments', action: 'pay' };
const PAY = { amount: '100.00', to: 'Savings' };
const DETAILS = { amount: '100.00', to: 'Savings' };
const show = (a: Answer) => `${a.status} ${JSON.stringify(a.body)}`;

/** The in-process server (memory store) with the bound route and a default freshness policy. */
function boundServer(): Harness {
  const h = makeServer({ freshness: { maxAge: 900 } });
  h.app.post('/api/pay', h.mfa.requireStepUp({
    ...SCOPE,
    describe: (d) => `Send ${d?.amount} to ${d?.to}`,
    bind: async (req) => {
      const { amount, to } = (await req.json()) as { amount: unknown; to: unknown };
      return { amount: String(amount), to: String(to) };
    },
  }), async (c) => c.json({ ok: true, paid: await c.req.json() }));
  return h;
}

describe('attack: swap the transaction behind a step-up (one process)', () => {
  it('the 401 names the transaction; its token opens the route once, for exactly that body', async () => {
    const h = boundServer();
    const { secret } = await h.enrollTotp('alice');
    const first = await h.post('/api/pay', PAY, 'alice');
    assert.equal(first.status, 401);
    const challenge = (await first.json()) as Record<string, unknown>;
    assert.deepEqual(challenge.details, DETAILS);
    assert.equal(challenge.title, 'Send 100.00 to Savings');
    assert.equal(challenge.binding, bindingOf(SCOPE, DETAILS));
    assert.match(first.headers.get('www-authenticate') ?? '', /insufficient_user_authentication/);

    h.advance(30_000);
    const ch = await h.startChallenge('alice', { ...SCOPE, details: challenge.details, binding: challenge.binding });
    const verified = await h.resume('alice', ch.challengeId, ch.challenges[0]!.guid, h.code(secret));
    assert.equal(verified.status, 200);
    const { token } = (await verified.json()) as { token: string };
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { txn?: string };
    assert.equal(payload.txn, challenge.binding, 'the token carries txn = binding');

    const withToken = (body: unknown) => h.post('/api/pay', body, 'alice', { [STEP_UP_HEADER]: token });
    for (const tampered of [{ ...PAY, amount: '9999.00' }, { ...PAY, to: 'Mallory' }, { ...PAY, amount: '100.0' }]) {
      const res = await withToken(tampered);
      assert.equal(res.status, 401, `refused: ${JSON.stringify(tampered)}`);
      const body = (await res.json()) as { error: { code: string; message: string }; details: unknown };
      assert.equal(body.error.code, 'insufficient_user_authentication');
      assert.match(body.error.message, /different transaction/);
      assert.deepEqual(body.details, tampered, 'the 401 shows the transaction actually asked for');
    }
    const ok = await withToken(PAY);
    assert.equal(ok.status, 200);
    assert.deepEqual(((await ok.json()) as { paid: unknown }).paid, PAY, 'the handler still reads the body');
    const again = await withToken(PAY);
    assert.equal(again.status, 401, 'a second use is refused');
    assert.match(((await again.json()) as { error: { message: string } }).error.message, /used already/);
  });

  it('an unbound token of the same scope (no txn) does not open a bound route', async () => {
    const h = boundServer();
    const { secret } = await h.enrollTotp('bob');
    const { token } = await h.stepUp('bob', secret, SCOPE.resource, SCOPE.action);
    const res = await h.post('/api/pay', PAY, 'bob', { [STEP_UP_HEADER]: token });
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /did not confirm a transaction/);
  });

  it('freshness never answers a bound step-up: a recent one still asks for a code', async () => {
    const h = boundServer();
    const { secret } = await h.enrollTotp('carol');
    await h.stepUp('carol', secret, SCOPE.resource, SCOPE.action); // fresh for payments/pay
    const unbound = await h.post('/mfa/challenges', SCOPE, 'carol');
    assert.equal(unbound.status, 200, 'an unbound step-up of the scope is answered by freshness');
    const bound = await h.post('/mfa/challenges', { ...SCOPE, details: DETAILS, binding: bindingOf(SCOPE, DETAILS) }, 'carol');
    assert.equal(bound.status, 201, 'a bound one asks again');
    assert.equal(((await bound.json()) as { status: string }).status, 'CHALLENGED');
  });

  it('a binding that is not the digest of the details is refused (400), as is one without details', async () => {
    const h = boundServer();
    await h.enrollTotp('dave');
    const other = bindingOf(SCOPE, { ...DETAILS, amount: '1.00' });
    for (const body of [{ ...SCOPE, details: DETAILS, binding: other }, { ...SCOPE, binding: other }, { ...SCOPE, details: DETAILS, binding: bindingOf({ ...SCOPE, action: 'transfer' }, DETAILS) }]) {
      const res = await h.post('/mfa/challenges', body, 'dave');
      assert.equal(res.status, 400, JSON.stringify(body));
      const err = await res.json();
      assertErrorShape(err);
      assert.match((err as { error: { message: string } }).error.message, /binding/);
    }
  });

  it('hostile details get a clear 400 from the challenge endpoint and from the bound route', async () => {
    const h = boundServer();
    await h.enrollTotp('erin');
    const hostile: [string, Record<string, string>, RegExp][] = [
      ['a 10 KB value', { amount: 'x'.repeat(10_240) }, /longer than 200/],
      ['100 keys', Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'])), /more than 20/],
      ['a bidi override in a label', { 'amount\u202e': '1' }, /bidi/],
      ['a bidi override in a value', { to: 'evil\u202eSavings' }, /bidi/],
      ['a control character', { to: 'a\nb' }, /control/],
      ['a 41-character label', { ['l'.repeat(41)]: '1' }, /longer than 40/],
      ['an empty label', { '': '1' }, /empty/],
    ];
    for (const [what, details, message] of hostile) {
      const res = await h.post('/mfa/challenges', { ...SCOPE, details }, 'erin');
      assert.equal(res.status, 400, what);
      const err = (await res.json()) as { error: { code: string; message: string } };
      assertErrorShape(err);
      assert.equal(err.error.code, 'malformed_request', what);
      assert.match(err.error.message, message, what);
    }
    // HTML is only text: accepted (it is rendered as text), and bound like any other value.
    const html = { to: '<img src=x onerror=alert(1)>' };
    assert.equal((await h.post('/mfa/challenges', { ...SCOPE, details: html }, 'erin')).status, 201);
    // The route derives details from the request: a hostile payee is the request's fault (400).
    const route = await h.post('/api/pay', { amount: '1', to: 'x'.repeat(10_240) }, 'erin');
    assert.equal(route.status, 400);
    assert.match(((await route.json()) as { error: { message: string } }).error.message, /longer than 200/);
    const unreadable = await h.request('POST', '/api/pay', { raw: 'not json', user: 'erin' });
    assert.equal(unreadable.status, 400);
  });
});

describe('attack: swap the transaction across two instances on Redis', { timeout: 60_000 }, () => {
  const instances = instancesOnRedis('attack-binding');

  /** A user confirms the transaction of a 401 from instance `a` by answering on instance `b`. */
  async function confirm(challenge: Answer): Promise<{ sub: string; token: string }> {
    const [a, b] = instances();
    const sub = `victim-${randomBytes(4).toString('hex')}`;
    const e = await call(a.url, 'POST', '/mfa/factors', { user: sub, body: { type: 'totp' } });
    const step = currentStep();
    assert.equal((await call(b.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { user: sub, body: { code: codeAt(e.body.secret, step) } })).status, 200);
    const { resource, action, details, binding } = challenge.body;
    const ch = await call(a.url, 'POST', '/mfa/challenges', { user: sub, body: { resource, action, details, binding } });
    assert.equal(ch.status, 201, show(ch));
    const verified = await call(b.url, 'POST', `/mfa/challenges/${ch.body.challengeId}/resume`, {
      user: sub, body: { answers: [{ guid: ch.body.challenges[0].guid, value: codeAt(e.body.secret, step + 1) }] },
    });
    assert.equal(verified.status, 200, show(verified));
    return { sub, token: verified.body.token };
  }

  it('changed amount, changed payee, a second use: refused on either instance; the exact body once', async () => {
    const [a, b] = instances();
    const asked = await call(a.url, 'POST', '/api/pay', { user: 'anyone', body: PAY });
    assert.equal(asked.status, 401, show(asked));
    assert.deepEqual(asked.body.details, DETAILS);
    assert.equal(asked.body.title, 'Send money');
    const { sub, token } = await confirm(asked);
    const pay = (i: Instance, body: unknown) => call(i.url, 'POST', '/api/pay', { user: sub, body, headers: { [STEP_UP_HEADER]: token } });

    assert.equal((await pay(b, { ...PAY, amount: '1000.00' })).status, 401, 'changed amount');
    assert.equal((await pay(a, { ...PAY, to: 'Mallory' })).status, 401, 'changed payee');
    // The original body, fired at both instances at once: exactly one is carried out.
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => pay(instances()[i % 2]!, PAY)));
    assert.equal(answers.filter((r) => r.status === 200).length, 1, answers.map(show).join('\n'));
    for (const i of instances()) assert.equal((await pay(i, PAY)).status, 401, 'spent on every instance');
  });

  it('an unbound token of the same user does not open the bound route on the other instance', async () => {
    const [a, b] = instances();
    const unbound = await confirm({ status: 401, body: SCOPE, headers: new Headers(), ms: 0 });
    const res = await call(b.url, 'POST', '/api/pay', { user: unbound.sub, body: PAY, headers: { [STEP_UP_HEADER]: unbound.token } });
    assert.equal(res.status, 401, show(res));
    assert.match(res.body.error.message, /did not confirm a transaction/);
    void a;
  });
});
