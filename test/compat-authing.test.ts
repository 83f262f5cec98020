/**
 * Authing facade: the seed's examples (test/fixtures/seeds/004_…txt, "Multi-factor authentication
 * module") run against the real server with `AuthenticationClient` imported from our compat module.
 * The examples' literal codes ('112233') are replaced by real ones computed from the secret, as a
 * user's authenticator app would show; everything else is as published.
 */
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { AuthenticationClient } from '../src/compat/authing.js';
import { getDefaultClient } from '../src/client/default-client.js';
import { getAccessToken } from '../src/index.js';
import { signInNewUser, until } from './helpers/session.js';
import { visiblePrompt, watchEvents } from './helpers/drive.js';
import { totpCode } from './helpers/totp-webcrypto.js';

async function wrongCode(secret: string): Promise<string> {
  const valid = new Set(await Promise.all([-1, 0, 1, 2].map((o) => totpCode(secret, o))));
  return ['111111', '222222', '333333', '444444'].find((c) => !valid.has(c))!;
}

/** "Request to bind MFA authenticator" + "Confirm to bind MFA", as published (codes made real). */
async function bindTotp() {
const authenticationClient = new AuthenticationClient({
appId: "YOUR_APP_ID",
})
const authenticators = await authenticationClient.mfa.assosicateMfaAuthenticator({ authenticatorType:'totp' })
const confirmed = await authenticationClient.mfa.confirmAssosicateMfaAuthenticator({ authenticatorType:'totp', totp: await totpCode(authenticators.secret, 0) })
return { association: authenticators, confirmed };
}

describe('compat/authing: authenticationClient.mfa', () => {
  beforeEach(() => getDefaultClient().tokens.clear()); // each test signs in a new user

  it('binds TOTP, lists it, and verifies a TOTP code and recovery codes (both documented argument shapes)', async () => {
    const user = await signInNewUser('authing');
    const { association, confirmed } = await bindTotp();
    expect(association.authenticator_type).to.equal('totp');
    expect(association.secret).to.match(/^[A-Z2-7]{32}$/);
    expect(association.qrcode_uri).to.equal(`otpauth://totp/mfa-elements%20demo:${user}?secret=${association.secret}&issuer=mfa-elements%20demo`);
    expect(association.qrcode_data_url).to.match(/^data:image\/svg\+xml,/);
    const qr = await new Promise<HTMLImageElement>((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = reject;
      img.src = association.qrcode_data_url;
    });
    expect(qr.naturalWidth).to.be.greaterThan(20);
    expect(confirmed).to.deep.include({ code: 200 });
    expect(confirmed.recoveryCodes).to.have.length(10);

    // "Get MFA Authenticator", as published:
    const authenticationClient = new AuthenticationClient({
    appId: "YOUR_APP_ID",
    })
    const authenticators = await authenticationClient.mfa.getMfaAuthenticators({ type:'totp' })
    expect(authenticators).to.have.length(1);
    expect(authenticators[0]).to.include({ authenticatorType: 'totp', enable: true });
    expect(JSON.stringify(authenticators)).not.to.contain(association.secret);

    // "Verify the MFA secondary password", as published (the first example's shape, with mfaToken):
    const events = watchEvents();
    const code = await totpCode(association.secret, 1);
    let user1;
    try {
      user1 = await authenticationClient.mfa.verifyTotpMfa({totp: code, mfaToken:'xxx'})
    } finally {
      events.stop();
    }
    expect(user1.token).to.equal(getAccessToken({ resource: 'app', action: 'sign_in' }));
    expect(user1).to.include({ resource: 'app', action: 'sign_in', acr: 'mfa' });
    expect(user1.amr).to.deep.equal(['otp']);
    expect(Date.parse(user1.tokenExpiredAt)).to.be.greaterThan(Date.now());
    expect(events.seen).to.deep.equal([]); // headless: no element, nothing on the page to overhear

    // A wrong code rejects, as Authing's SDK does.
    const wrong = await authenticationClient.mfa.verifyTotpMfa({ totp: await wrongCode(association.secret), mfaToken: 'xxx' }).then(() => null, (e: unknown) => e);
    expect(wrong).to.have.property('code', 'invalid_code');
    expect(wrong).to.have.property('attemptsLeft', 9);

    // "Check the second verification MFA recovery code", as published (its documented argument shape) …
    const user2 = await authenticationClient.mfa.verifyTotpRecoveryCode({ authenticatorType:'totp', totp: confirmed.recoveryCodes![0] })
    expect(user2.amr).to.deep.equal(['rec']);
    // … and authing-js-sdk's actual parameter names.
    const user3 = await authenticationClient.mfa.verifyTotpRecoveryCode({ recoveryCode: confirmed.recoveryCodes![1], mfaToken: 'xxx' });
    expect(user3.amr).to.deep.equal(['rec']);
    expect((await getDefaultClient().listFactors()).recoveryCodesLeft).to.equal(8);
  });

  it('"Unbind MFA": deleteMfaAuthenticator steps up for mfa/manage in the prompt, then removes the TOTP', async () => {
    await signInNewUser('authing');
    const { association } = await bindTotp();
    const code = await totpCode(association.secret, 1);
    const events = watchEvents();
    let result;
    try {
      // As published:
      const authenticationClient = new AuthenticationClient({
      appId: "YOUR_APP_ID",
      })
      const running = authenticationClient.mfa.deleteMfaAuthenticator()
      const prompt = await visiblePrompt();
      expect(prompt).to.have.property('resource', 'mfa');
      expect(prompt).to.have.property('action', 'manage');
      await sendKeys({ type: code });
      await sendKeys({ press: 'Enter' });
      const authenticators = await running
      result = authenticators;
    } finally {
      events.stop();
    }
    expect(result).to.deep.equal({ code: 200, message: 'TOTP MFA unbound' });
    expect(await new AuthenticationClient({ appId: 'YOUR_APP_ID' }).mfa.getMfaAuthenticators({ type: 'totp' })).to.deep.equal([]);
    const token = getAccessToken({ resource: 'mfa', action: 'manage' })!;
    expect(token).to.be.a('string');
    for (const { detail } of events.seen) {
      for (const secret of [code, association.secret, token]) expect(detail).not.to.contain(secret);
    }
  });

  it('"Unbind MFA" cancelled with Escape rejects (cancelled) and removes nothing', async () => {
    await signInNewUser('authing');
    await bindTotp();
    const authenticationClient = new AuthenticationClient({ appId: 'YOUR_APP_ID' });
    const running = authenticationClient.mfa.deleteMfaAuthenticator().then(() => null, (e: unknown) => e);
    await visiblePrompt();
    await sendKeys({ press: 'Escape' });
    const error = await running;
    expect(error).to.have.property('name', 'MfaError');
    expect(error).to.have.property('code', 'cancelled');
    expect(await authenticationClient.mfa.getMfaAuthenticators({ type: 'totp' })).to.have.length(1);
  });

  it('fails clearly for what this server cannot do yet, and for a confirmation without an association', async () => {
    await signInNewUser('authing');
    const authenticationClient = new AuthenticationClient({ appId: 'YOUR_APP_ID' });
    const sms = await authenticationClient.mfa.assosicateMfaAuthenticator({ authenticatorType: 'sms' }).then(() => null, (e: unknown) => e);
    expect(sms).to.have.property('code', 'unsupported_authenticator');
    const early = await authenticationClient.mfa.confirmAssosicateMfaAuthenticator({ authenticatorType: 'totp', totp: '112233' }).then(() => null, (e: unknown) => e);
    expect(early).to.have.property('code', 'conflict');
    expect(await authenticationClient.mfa.getMfaAuthenticators({ type: 'totp' })).to.deep.equal([]);
  });
});
