/**
 * The binding vectors (test/vectors/binding.json): the canonical JSON and `binding` of bound
 * transactions, as docs/server.md "Binding a step-up to the transaction" defines them. The Node
 * server must produce exactly them, and so must the recipe the docs give for other languages
 * (run here in Python, the standard library only).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { bindingOf, canonicalJson } from '../../src/server/binding.js';

interface BindingVector {
  name: string;
  resource: string;
  action: string;
  details: Record<string, string>;
  canonical: string;
  binding: string;
}

const FILE = new URL('./binding.json', import.meta.url);
const vectors = (JSON.parse(readFileSync(FILE, 'utf8')) as { vectors: BindingVector[] }).vectors;

// The docs' recipe: keys in UTF-16 code-unit order, no whitespace, non-ASCII as UTF-8 (not \u escapes).
const PYTHON = `
import base64, hashlib, json, sys
def canonical(v):
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    keys = sorted(v, key=lambda k: k.encode('utf-16-be'))
    return '{' + ','.join(json.dumps(k, ensure_ascii=False) + ':' + canonical(v[k]) for k in keys) + '}'
out = []
for t in json.load(sys.stdin)['vectors']:
    c = canonical({'resource': t['resource'], 'action': t['action'], 'details': t['details']})
    b = base64.urlsafe_b64encode(hashlib.sha256(c.encode('utf-8')).digest()).rstrip(b'=').decode()
    out.append({'canonical': c, 'binding': b})
print(json.dumps(out))
`;

describe('binding vectors', () => {
  test('there are vectors with non-ASCII, escaping and code-unit key order', () => {
    assert.ok(vectors.length >= 5);
  });

  for (const v of vectors) {
    test(`node: ${v.name}`, () => {
      assert.equal(canonicalJson({ resource: v.resource, action: v.action, details: v.details }), v.canonical);
      assert.equal(bindingOf(v, v.details), v.binding);
    });
  }

  test('the documented recipe, in Python, gives the same canonical JSON and binding', () => {
    const out = execFileSync('/usr/bin/python3', ['-c', PYTHON], { input: readFileSync(FILE) });
    const got = JSON.parse(out.toString('utf8')) as { canonical: string; binding: string }[];
    assert.deepEqual(got, vectors.map((v) => ({ canonical: v.canonical, binding: v.binding })));
  });
});
