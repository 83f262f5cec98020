/**
 * An HOTP hardware token (RFC 4226 key fob) in Chromium against the real server: enrolled with
 * its secret over the HTTP API, listed by the console under its type's name, and a step-up with
 * its next code through <mfa-prompt> opens the guarded route. Codes: the tests' OTP oracle.
 */
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../src/define.js';
import type { IdpAuthResponse } from '../src/core/types.js';
import { getDefaultClient } from '../src/client/default-client.js';
import type { MfaAuthenticators } from '../src/elements/mfa-authenticators/mfa-authenticators.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { settled, shadow, typeCode } from './helpers/drive.js';
import { signInNewUser, until } from './helpers/session.js';
import { hotpCode } from './helpers/otp.mjs';

/** RFC 4226 Appendix D's secret ("12345678901234567890"). */
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Enrolls the token with its secret and confirms it with the code of counter 0 (press one). */
async function enrollToken(): Promise<void> {
  const enrolled = await post('/mfa/factors', { type: 'hotp', secret: SECRET, label: 'Bank key fob' });
  expect(enrolled.status).to.equal(201);
  const { factorId } = (await enrolled.json()) as { factorId: string };
  const confirmed = await post(`/mfa/factors/${factorId}/confirm`, { code: hotpCode(SECRET, 0) });
  expect(confirmed.status).to.equal(200);
}

describe('HOTP hardware token', () => {
  it('is listed by the console as a security token', async () => {
    await signInNewUser('hotp');
    await enrollToken();
    const el = await fixture<MfaAuthenticators>(html`<mfa-authenticators></mfa-authenticators>`);
    el.show();
    const factor = await until(() => shadow(el).querySelector<HTMLElement>('[part~="factor"]'), 5000, 'console loaded');
    await settled(el);
    expect(factor.querySelector('h3')!.textContent).to.equal('Bank key fob');
    expect(factor.textContent).to.contain('Security token');
  });

  it('steps up with the next code the token shows, and the token opens the guarded route', async () => {
    await signInNewUser('hotp');
    await enrollToken();
    const el = await fixture<MfaPrompt>(html`<mfa-prompt resource="statements" action="read"></mfa-prompt>`);
    el.show();
    await until(() => document.activeElement === el.querySelector('input'), 5000, 'code input focused');
    await settled(el);
    const resolved = oneEvent(el, 'resolve') as Promise<CustomEvent<IdpAuthResponse>>;
    await typeCode(hotpCode(SECRET, 1));
    const { detail } = await resolved;
    expect(detail.success).to.equal(true);
    const token = getDefaultClient().token.getAccessToken({ resource: 'statements', action: 'read' });
    const statements = await fetch('/api/statements', { headers: { 'Step-Up-Token': token! } });
    expect(statements.status).to.equal(200);
  });
});
