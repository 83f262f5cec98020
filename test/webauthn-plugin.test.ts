// Proves the virtual-authenticator plumbing (test/helpers/webauthn-plugin.mjs + virtual-authenticator.ts):
// a passkey is created and used through the real navigator.credentials API, the authenticator's
// credential list and sign counter are visible to the test, and failing user verification rejects.
import { expect } from '@open-wc/testing';
import './helpers/cloneable-failures.js'; // a failed assertion about an element is reported, not a hang
import {
  addVirtualAuthenticator,
  removeVirtualAuthenticator,
  setUserVerified,
  virtualCredentials,
} from './helpers/virtual-authenticator.js';

function creationOptions(): CredentialCreationOptions {
  return {
    publicKey: {
      rp: { name: 'x', id: location.hostname },
      user: { id: new Uint8Array(16), name: 'u', displayName: 'u' },
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      timeout: 5000,
    },
  };
}

function requestOptions(rawId: ArrayBuffer, timeout = 5000): CredentialRequestOptions {
  return {
    publicKey: {
      rpId: location.hostname,
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      allowCredentials: [{ type: 'public-key', id: rawId }],
      userVerification: 'required',
      timeout,
    },
  };
}

describe('webauthn virtual authenticator plugin', () => {
  let authenticatorId: string | undefined;

  afterEach(async () => {
    if (authenticatorId) await removeVirtualAuthenticator(authenticatorId);
    authenticatorId = undefined;
  });

  it('serves the page on localhost (an IP is not a valid RP ID)', () => {
    expect(location.hostname).to.equal('localhost');
    expect(window.isSecureContext).to.equal(true);
  });

  it('creates and uses a passkey; failing user verification rejects with NotAllowedError', async () => {
    authenticatorId = await addVirtualAuthenticator();
    expect(authenticatorId).to.be.a('string').and.not.equal('');

    const created = (await navigator.credentials.create(creationOptions())) as PublicKeyCredential | null;
    expect(created, 'credential').to.not.equal(null);
    expect(created!.type).to.equal('public-key');
    expect(created!.rawId.byteLength).to.be.greaterThan(0);

    let creds = await virtualCredentials(authenticatorId);
    expect(creds).to.have.length(1);
    expect(creds[0].isResidentCredential).to.equal(true);
    expect(creds[0].rpId).to.equal('localhost');
    const counterAfterCreate = creds[0].signCount;

    // With user verification the assertion succeeds and the sign counter moves forward.
    const asserted = (await navigator.credentials.get(requestOptions(created!.rawId))) as PublicKeyCredential | null;
    expect(asserted, 'assertion').to.not.equal(null);
    expect(asserted!.id).to.equal(created!.id);
    creds = await virtualCredentials(authenticatorId);
    expect(creds[0].signCount).to.be.greaterThan(counterAfterCreate);

    await setUserVerified(authenticatorId, false);
    let error: unknown;
    try {
      // A timeout far beyond the test's own (10 s): answering at all means it answered at once,
      // not after the whole timeout.
      await navigator.credentials.get(requestOptions(created!.rawId, 600_000));
    } catch (e) {
      error = e;
    }
    expect(error, 'get() must reject without user verification').to.be.instanceOf(DOMException);
    expect((error as DOMException).name).to.equal('NotAllowedError');
  });
});
