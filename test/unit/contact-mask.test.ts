// Masked phone numbers and addresses as users see them in the prompt, the console and the options
// step: the country code stays whole (never "+4 ••• 0958" for a UK number), the last four digits show.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countryCodeLength, maskContact, normalizePhone } from '../../src/server/factors/contact-factor.js';

test('phones keep their whole country code and the last four digits', () => {
  const cases: [string, string][] = [
    ['+1 (555) 123-4567', '+1 ••• 4567'],
    ['+7 912 345 67 89', '+7 ••• 6789'],
    ['+44 7700 900958', '+44 ••• 0958'],
    ['+49 30 12345678', '+49 ••• 5678'],
    ['+33 6 12 34 56 78', '+33 ••• 5678'],
    ['+81 90 1234 5678', '+81 ••• 5678'],
    ['+86 138 0013 8000', '+86 ••• 8000'],
    ['+91 98765 43210', '+91 ••• 3210'],
    ['+353 85 123 4567', '+353 ••• 4567'],
    ['+971 50 123 4567', '+971 ••• 4567'],
    ['+880 1712 345678', '+880 ••• 5678'],
    ['+20 100 123 4567', '+20 ••• 4567'],
  ];
  for (const [typed, masked] of cases) assert.equal(maskContact('phone', normalizePhone(typed)), masked, typed);
  assert.equal(countryCodeLength('1555'), 1);
  assert.equal(countryCodeLength('3531'), 3);
});

test('emails keep the first character and the domain', () => {
  assert.equal(maskContact('email', 'anna@example.com'), 'a•••@example.com');
});
