// A cloned passkey is refused: the same private key on a second authenticator whose signature
// counter lags behind the original's is what a copied (stolen) key looks like. The server keeps
// the highest counter it accepted (compare-and-set, like TOTP steps) and refuses a counter that
// did not grow — 400 invalid_credential, audited as critical. Real Chromium authenticators
// (CDP virtual authenticators), real server.
import { expect } from '@open-wc/testing';
import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { MfaClient } from '../src/client/mfa-client.js';
import type { ChallengedResponse } from '../src/core/types.js';
import { signInNewUser } from './helpers/session.js';
import { addVirtualAuthenticator, addVirtualCredential, removeVirtualAuthenticator, virtualCredentials } from './helpers/virtual-authenticator.js';

describe('passkey clone detection', () => {
  const authenticators: string[] = [];
  afterEach(async () => {
    for (const id of authenticators.splice(0)) await removeVirtualAuthenticator(id).catch(() => {});
  });

  /** One passkey step-up through the client; returns the server's answer or the error. */
  async function stepUp(client: MfaClient, resource: string) {
    const ch = (await client.startChallenge({ resource, action: 'x', force: true, factorType: 'webauthn' })) as ChallengedResponse;
    const assertion = await startAuthentication({ optionsJSON: ch.challenges[0].publicKey as never });
    return client.resume(ch.challengeId, [{ guid: ch.challenges[0].guid, value: JSON.stringify(assertion) }]).catch((e: unknown) => e);
  }

  it('refuses the copy whose counter lags, keeps the original working, and audits it', async () => {
    await signInNewUser('clone');
    const original = await addVirtualAuthenticator();
    authenticators.push(original);
    const client = new MfaClient();
    const enrollment = await client.enroll('webauthn');
    const credential = await startRegistration({ optionsJSON: enrollment.publicKey as never });
    await client.confirmEnrollment(enrollment.factorId, { credential });

    expect(await stepUp(client, 'r1')).to.include({ status: 'VERIFIED' });
    const [copy] = await virtualCredentials(original); // the key as it is now, counter included
    expect(await stepUp(client, 'r2')).to.include({ status: 'VERIFIED' }); // the original moves on
    await removeVirtualAuthenticator(authenticators.pop()!);

    const thief = await addVirtualAuthenticator();
    authenticators.push(thief);
    await addVirtualCredential(thief, copy!);
    const refused = await stepUp(client, 'r3');
    expect(refused).to.include({ name: 'MfaError', code: 'invalid_credential', status: 400 });
    const { events } = await (await fetch('/demo/audit')).json();
    expect(events.map((e: { type: string }) => e.type)).to.include('webauthn.counter_regression');

    // The genuine authenticator (the counter it really has) still works.
    await removeVirtualAuthenticator(authenticators.pop()!);
    const back = await addVirtualAuthenticator();
    authenticators.push(back);
    // (The original had counted one further use since the copy; its next one is higher still.)
    await addVirtualCredential(back, { ...copy!, signCount: copy!.signCount + 10 });
    expect(await stepUp(client, 'r4')).to.include({ status: 'VERIFIED' });
  });
});
