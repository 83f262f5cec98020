// The demo with `MFA_STORE=redis://…`: started exactly as `npm start` runs it, it
// keeps the MFA data in Redis under its prefix, and sign-in, enrollment and a step-up work over
// the HTTP API. Redis: REDIS_URL when CI started one, else a private redis-server on a free port.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { codeAt, currentStep } from './authenticator.mjs';
import { startDemo } from './demo-server.mjs';

const freePort = () => new Promise((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
});

/** @type {import('node:child_process').ChildProcess | undefined} */
let privateRedis;
let redisUrl;
let demo;
let client;
const prefix = `mfa:e2e-${process.pid}-${Math.random().toString(36).slice(2)}:`;

async function connect(url, attempts) {
  for (let i = 0; ; i++) {
    const c = createClient({ url, socket: { reconnectStrategy: false } });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.ping();
      return c;
    } catch (err) {
      if (c.isOpen) c.destroy();
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

before(async () => {
  redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    const port = await freePort();
    privateRedis = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    process.once('exit', () => privateRedis.kill('SIGKILL')); // even if `after` never runs
    redisUrl = `redis://127.0.0.1:${port}`;
  }
  client = await connect(redisUrl, privateRedis ? 100 : 0);
  demo = await startDemo({ env: { MFA_STORE: redisUrl, MFA_REDIS_PREFIX: prefix }, browser: false });
});

after(async () => {
  await demo?.stop();
  if (client?.isOpen) {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await client.del(keys);
    await client.close();
  }
  if (privateRedis && privateRedis.exitCode === null) {
    privateRedis.kill('SIGKILL');
    await new Promise((r) => (privateRedis.exitCode !== null || privateRedis.signalCode !== null ? r() : privateRedis.once('exit', r)));
  }
});

test('MFA_STORE=redis://…: sign in, enroll and step up; the data lives in Redis', { timeout: 60_000 }, async () => {
  assert.match(demo.log(), /store: redis redis:\/\/127\.0\.0\.1:\d+ \(prefix mfa:e2e-/);

  let cookie = '';
  const api = async (method, path, body, headers = {}) => {
    const res = await fetch(demo.url + path, {
      method,
      headers: {
        origin: demo.url,
        ...(cookie && { cookie }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };

  const username = `redis-${process.pid}`;
  const login = await api('POST', '/demo/login', { username });
  assert.equal(login.status, 200);
  cookie = login.headers.get('set-cookie').split(';')[0];

  const enrolled = await api('POST', '/mfa/factors', { type: 'totp' });
  assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
  const { factorId, secret } = enrolled.body;
  const step = currentStep();
  const confirmed = await api('POST', `/mfa/factors/${factorId}/confirm`, { code: codeAt(secret, step) });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  assert.equal(confirmed.body.recoveryCodes.length, 10);

  const listed = await api('GET', '/mfa/factors');
  assert.deepEqual(listed.body.factors.map((f) => f.id), [factorId]);

  // The transfer route is bound: the challenge names the transaction the token will approve.
  const challenge = await api('POST', '/mfa/challenges', { resource: 'payments', action: 'transfer', details: { amount: '$5.00', to: 'Savings' } });
  assert.equal(challenge.status, 201, JSON.stringify(challenge.body));
  const verified = await api('POST', `/mfa/challenges/${challenge.body.challengeId}/resume`, {
    answers: [{ guid: challenge.body.challenges[0].guid, value: codeAt(secret, step + 1) }],
  });
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  const transfer = await api('POST', '/api/transfer', { amount: 5, to: 'Savings' }, { 'Step-Up-Token': verified.body.token });
  assert.equal(transfer.status, 200, JSON.stringify(transfer.body));

  // In Redis, under the prefix: the confirmed factor (secret sealed), its recovery code hashes,
  // the replay mark of the step just used, and the shared signing key.
  const user = `${prefix}{u:${encodeURIComponent(username)}}`;
  const factor = await client.hGetAll(`${user}:f:${factorId}`);
  assert.equal(factor.confirmed, '1');
  assert.equal(Number(factor.lastStep), step + 1);
  assert.doesNotMatch(factor.secretEnc, new RegExp(secret, 'i'), 'the secret is sealed');
  assert.equal(await client.sCard(`${user}:rc`), 10);
  assert.equal(await client.exists(`${prefix}{keys}:signing`), 1);
  // …and nothing in SQLite.
  assert.equal(existsSync(join(demo.dataDir, 'mfa.db')), false, 'no SQLite database was created');
});
