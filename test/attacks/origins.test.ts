/**
 * Security review item 7: without `origins`, the allowed Origin of state-changing requests is
 * the request's own Host (http/request.ts), which a proxy may pass through from the client.
 * In production (`NODE_ENV=production`) the server therefore refuses to start without it, with
 * a one-line configuration error; in development it warns once per process.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createMfaServer } from '../../src/server/mfa-server.js';
import { MemoryStore } from '../../src/server/stores/memory-store.js';

const base = () => ({ store: new MemoryStore(), encryptionKey: Buffer.alloc(32, 7), authenticate: () => null });
const savedEnv = process.env.NODE_ENV;
const savedWarn = console.warn;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = savedEnv;
  console.warn = savedWarn;
});

function captureWarnings(): string[] {
  const lines: string[] = [];
  console.warn = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  return lines;
}

describe('`origins` in production', () => {
  // First in this file (this process): nothing has warned yet.
  test('development: one warning, once per process, however many servers', () => {
    delete process.env.NODE_ENV;
    const lines = captureWarnings();
    createMfaServer(base());
    createMfaServer(base());
    const about = lines.filter((l) => l.includes('origins'));
    assert.equal(about.length, 1, JSON.stringify(lines));
    assert.doesNotMatch(about[0]!, /\n/);
  });

  test('production without origins (or with none listed): a one-line configuration error at start', () => {
    process.env.NODE_ENV = 'production';
    for (const origins of [undefined, []]) {
      assert.throws(
        () => createMfaServer({ ...base(), origins }),
        (err: unknown) => err instanceof Error && /origins/.test(err.message) && /production/.test(err.message) && !err.message.includes('\n'),
      );
    }
  });

  test('production with origins starts, and only the listed Origin may change state', async () => {
    process.env.NODE_ENV = 'production';
    const lines = captureWarnings();
    const mfa = createMfaServer({ ...base(), origins: ['https://app.example.com'], authenticate: () => ({ sub: 'alice', sessionId: 's1' }) });
    assert.equal(lines.length, 0);
    const post = (origin: string, host: string) =>
      mfa.app.request(`https://${host}/audit`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ tag: 't' }) });
    assert.equal((await post('https://app.example.com', 'app.example.com')).status, 204);
    // A forged Host no longer makes a foreign Origin "the request's own".
    assert.equal((await post('https://evil.example', 'evil.example')).status, 403);
    await mfa.close();
  });
});
