import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatStepUpChallenge, parseStepUpChallenge } from '../../src/core/www-authenticate.js';

test('parses the RFC 9470 challenge with quoted or token values', () => {
  assert.deepEqual(parseStepUpChallenge('Bearer error="insufficient_user_authentication", acr_values="mfa", max_age=300'), {
    error: 'insufficient_user_authentication',
    acrValues: ['mfa'],
    maxAge: 300,
    params: { error: 'insufficient_user_authentication', acr_values: 'mfa', max_age: '300' },
  });
  const tokens = parseStepUpChallenge('Bearer error=insufficient_user_authentication, acr_values="urn:a urn:b", max_age="60"');
  assert.deepEqual(tokens?.acrValues, ['urn:a', 'urn:b']);
  assert.equal(tokens?.maxAge, 60);
});

test('finds the Bearer challenge among other schemes and round-trips what the server sends', () => {
  const header = `Basic realm="x", ${formatStepUpChallenge({ acrValues: ['mfa'], maxAge: 120 })}`;
  assert.equal(parseStepUpChallenge(header)?.maxAge, 120);
});

test('returns null, never throws, for other or malformed headers', () => {
  for (const header of [null, '', 'Bearer', 'Bearer error="invalid_token"', 'Basic realm="a"', '"""', 'Bearer error="insufficient_user_authentication', ',,,=,', '\u0000'.repeat(50)]) {
    assert.doesNotThrow(() => parseStepUpChallenge(header));
  }
  assert.equal(parseStepUpChallenge('Bearer error="invalid_token"'), null);
  assert.equal(parseStepUpChallenge('Bearer error="insufficient_user_authentication", max_age=abc')?.maxAge, undefined);
});
