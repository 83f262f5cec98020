/**
 * otpauth:// URIs (docs/server.md "Authenticator apps"): parsed back by two independent parsers —
 * the WHATWG URL parser with a strict Key-Uri-Format reading (split the raw label on its one
 * literal ':', then percent-decode each side), and Python's urllib.parse doing the same in another
 * language — every name comes back exactly, and the issuer parameter matches the label's issuer.
 * A ':' in the account is encoded (%3A); a ':' in appName is refused at start-up.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { createMfaServer } from '../../src/server/mfa-server.js';
import { MemoryStore } from '../../src/server/stores/memory-store.js';
import { makeServer } from './harness.js';

const NAMES: [string, string][] = [
  ['Acme Bank', 'alice smith'],
  ['Acme Bank', 'alice:work'],
  ['R&D Bank', 'bob+1@example.com'],
  ['Bänk Ωmega 銀行', 'José Müller'],
  ['100% Bank?', 'a/b#c'],
];

/** Key Uri Format, strictly: otpauth://totp/<label>?<query>; the label has exactly one literal ':'. */
function strictParse(uri: string) {
  const url = new URL(uri); // WHATWG: must parse at all
  assert.equal(url.protocol, 'otpauth:');
  assert.equal(url.host, 'totp');
  const raw = url.pathname.slice(1);
  const colons = raw.split(':');
  assert.equal(colons.length, 2, `exactly one literal ':' in the label: ${raw}`);
  return {
    issuer: decodeURIComponent(colons[0]!),
    account: decodeURIComponent(colons[1]!),
    params: Object.fromEntries(url.searchParams),
  };
}

const PY = `
import json, sys
from urllib.parse import urlsplit, unquote, parse_qs
out = []
for uri in json.load(sys.stdin):
    u = urlsplit(uri)
    label = u.path[1:]
    issuer, account = label.split(':', 1)
    q = {k: v[0] for k, v in parse_qs(u.query, strict_parsing=True).items()}
    out.append({'scheme': u.scheme, 'type': u.netloc, 'issuer': unquote(issuer), 'account': unquote(account), 'params': q})
print(json.dumps(out))
`;

describe('otpauth URIs', () => {
  test('names survive two independent parsers (WHATWG + strict Key-Uri-Format, Python urllib.parse)', async () => {
    const uris: string[] = [];
    for (const [appName, account] of NAMES) {
      const h = makeServer({ appName, accountName: () => account });
      const e = (await (await h.post('/mfa/factors', { type: 'totp' }, 'u1')).json()) as { otpauthUri: string; secret: string };
      uris.push(e.otpauthUri);
      const p = strictParse(e.otpauthUri);
      assert.equal(p.issuer, appName);
      assert.equal(p.account, account);
      assert.equal(p.params.issuer, appName);
      assert.equal(p.params.secret, e.secret);
    }
    const py = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY], { input: JSON.stringify(uris), encoding: 'utf8' })) as { scheme: string; type: string; issuer: string; account: string; params: Record<string, string> }[];
    py.forEach((r, i) => {
      assert.equal(r.scheme, 'otpauth');
      assert.equal(r.type, 'totp');
      assert.equal(r.issuer, NAMES[i]![0]);
      assert.equal(r.account, NAMES[i]![1]);
      assert.equal(r.params.issuer, NAMES[i]![0]);
    });
  });

  test('a colon in appName is refused at start-up', () => {
    assert.throws(
      () => createMfaServer({ store: new MemoryStore(), encryptionKey: Buffer.alloc(32, 1), authenticate: () => null, origins: ['http://x'], appName: 'Acme: Bank' }),
      /appName must be non-empty and must not contain ":"/,
    );
  });
});
