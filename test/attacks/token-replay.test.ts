/**
 * Attack: one step-up, many requests (security review: "one payments/transfer token carried five
 * more transfers"). Before the fix, tokens were reusable until they expired unless a route opted
 * into `oneTime`: a script on the page, or anyone who read the header once, could replay it.
 *
 * Tokens are one-time by default now. Here two real server processes share one Redis, and the
 * attacker fires the same token 50 times at once at the guarded route, split between them: the
 * handler runs exactly once; every other request gets the RFC 9470 step-up answer. A route that
 * opts out with `reusable: true` is covered in test/server/guard.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { STEP_UP_HEADER } from '../../src/core/types.js';
import { call, codeAt, currentStep, instancesOnRedis, type Answer } from '../helpers/instance-server.js';

const REPLAYS = 50;
const SCOPE = { resource: 'payments', action: 'transfer' };
const show = (a: Answer) => `${a.status} ${JSON.stringify(a.body)}`;

describe('attack: replay one step-up token across two instances', { timeout: 60_000 }, () => {
  const instances = instancesOnRedis('attack-replay');

  it(`${REPLAYS} concurrent requests with one token: the guarded handler runs once`, async () => {
    const [a, b] = instances();
    const sub = `mallory-victim-${randomBytes(4).toString('hex')}`;
    const e = await call(a.url, 'POST', '/mfa/factors', { user: sub, body: { type: 'totp' } });
    assert.equal(e.status, 201, show(e));
    const step = currentStep();
    assert.equal((await call(b.url, 'POST', `/mfa/factors/${e.body.factorId}/confirm`, { user: sub, body: { code: codeAt(e.body.secret, step) } })).status, 200);
    const ch = await call(a.url, 'POST', '/mfa/challenges', { user: sub, body: SCOPE });
    assert.equal(ch.status, 201, show(ch));
    const verified = await call(b.url, 'POST', `/mfa/challenges/${ch.body.challengeId}/resume`, {
      user: sub, body: { answers: [{ guid: ch.body.challenges[0].guid, value: codeAt(e.body.secret, step + 1) }] },
    });
    assert.equal(verified.status, 200, show(verified));
    const token = verified.body.token as string;

    const answers = await Promise.all(Array.from({ length: REPLAYS }, (_, i) =>
      call(instances()[i % 2]!.url, 'POST', '/api/transfer', { user: sub, headers: { [STEP_UP_HEADER]: token } })));
    const statuses = answers.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, `exactly one request got through: ${statuses.join(' ')}`);
    for (const r of answers.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 401, show(r));
      assert.equal(r.body.error.code, 'insufficient_user_authentication');
      assert.equal(r.body.resource, 'payments');
    }
    // Later, on either instance, it is still spent.
    for (const i of instances()) assert.equal((await call(i.url, 'POST', '/api/transfer', { user: sub, headers: { [STEP_UP_HEADER]: token } })).status, 401);
  });
});
