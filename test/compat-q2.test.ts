/**
 * Q2 Tecton facade: the seed's own example (test/fixtures/seeds/000_…txt, "Prompt the user for MFA
 * verification before performing a sensitive action") runs against the real server.
 */
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import * as q2 from '../src/compat/q2.js';
import { getDefaultClient } from '../src/client/default-client.js';
import { getAccessToken } from '../src/index.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { visiblePrompt, watchEvents } from './helpers/drive.js';
import { totpCode } from './helpers/totp-webcrypto.js';

const audit = async () => (await (await fetch('/demo/audit')).json()).events as { type: string; resource?: string; action?: string; metadata?: Record<string, unknown> }[];

/**
 * The parts of Tecton that are the Q2 platform's, not MFA (`requestExtensionData`, `actions.showModal`):
 * stand-ins that record what the example asked of them. Our facade supplies `sources.promptForMFA`.
 */
function makeTecton() {
  const calls = {
    requestExtensionData: [] as { route: string; body: unknown; stepUpTokenHeld: boolean }[],
    showModal: [] as { title: string; message: string; modalType: string }[],
  };
  const tecton = {
    sources: {
      ...q2.tecton.sources,
      requestExtensionData: async (request: { route: string; body: unknown }) => {
        // What an `@mfa_validation_required` server would check: a step-up for app/confirm is held.
        calls.requestExtensionData.push({ ...request, stepUpTokenHeld: getAccessToken({ resource: 'app', action: 'confirm' }) !== null });
        return { data: { created: true } };
      },
    },
    actions: {
      showModal: (options: { title: string; message: string; modalType: string }) => void calls.showModal.push(options),
    },
  };
  return { tecton, calls };
}

type Tecton = ReturnType<typeof makeTecton>['tecton'];

/*
 * The seed's example, copied as published. One fix: the published snippet lacks the comma after
 * `title: "User Creation Failed"` (a syntax error), added here. `tecton` is the namespace object.
 */
const seedExample = (tecton: Tecton) =>
tecton.sources.promptForMFA().then(() => {
return tecton.sources.requestExtensionData({
route: 'create_user',
body: { name: "Tecton", email: "tecton@q2.com" }
});
}).catch(() => {
tecton.actions.showModal({
title: "User Creation Failed",
message: "Multi Factor Authentication is required to create this user.",
modalType: "Error",
});
});

describe('compat/q2: tecton.sources.promptForMFA', () => {
  beforeEach(() => getDefaultClient().tokens.clear()); // each test signs in a new user

  it('runs the seed example: the code is entered, then the extension request is made', async () => {
    await signInNewUser('q2');
    const { secret } = await enrollTotpFactor();
    const { tecton, calls } = makeTecton();
    const events = watchEvents();
    const code = await totpCode(secret, 1);
    try {
      const done = seedExample(tecton);
      await visiblePrompt();
      await sendKeys({ type: code });
      await sendKeys({ press: 'Enter' });
      await done;
    } finally {
      events.stop();
    }
    expect(calls.requestExtensionData).to.deep.equal([
      { route: 'create_user', body: { name: 'Tecton', email: 'tecton@q2.com' }, stepUpTokenHeld: true },
    ]);
    expect(calls.showModal).to.deep.equal([]);
    expect(document.querySelector('mfa-prompt')).to.equal(null);
    const verified = (await audit()).find((e) => e.type === 'verify.success');
    expect(verified).to.include({ resource: 'app', action: 'confirm' });

    // Nothing secret reached an event any script could hear.
    const token = getAccessToken({ resource: 'app', action: 'confirm' })!;
    expect(events.seen.map((e) => e.type)).to.include.members(['mfa-show', 'resolve', 'mfa-hide']);
    for (const { detail } of events.seen) {
      expect(detail).not.to.contain(code);
      expect(detail).not.to.contain(secret);
      expect(detail).not.to.contain(token);
    }

    // "The SDK … will handle opening the MFA workflow as needed": still fresh, so it runs again without a prompt.
    const again = watchEvents();
    try {
      await seedExample(tecton);
    } finally {
      again.stop();
    }
    expect(again.shown()).to.equal(0);
    expect(calls.requestExtensionData).to.have.length(2);
    expect(calls.showModal).to.deep.equal([]);
  });

  it('runs the failure branch (showModal) when the user cancels with Escape', async () => {
    await signInNewUser('q2');
    await enrollTotpFactor();
    const { tecton, calls } = makeTecton();
    const done = seedExample(tecton);
    await visiblePrompt();
    await sendKeys({ press: 'Escape' });
    await done;
    expect(calls.requestExtensionData).to.deep.equal([]);
    expect(calls.showModal).to.deep.equal([{
      title: 'User Creation Failed',
      message: 'Multi Factor Authentication is required to create this user.',
      modalType: 'Error',
    }]);
    expect(document.querySelector('mfa-prompt')).to.equal(null);
  });

  it('runs the failure branch for a user without a second factor, without showing a dialog', async () => {
    await signInNewUser('q2');
    const { tecton, calls } = makeTecton();
    const events = watchEvents();
    try {
      await seedExample(tecton);
    } finally {
      events.stop();
    }
    expect(events.shown()).to.equal(0);
    expect(calls.requestExtensionData).to.deep.equal([]);
    expect(calls.showModal).to.have.length(1);
  });

  it('honours PromptOptions: message above the input, code recorded as the reason; rejects with an MfaError on cancel', async () => {
    await signInNewUser('q2');
    const { secret } = await enrollTotpFactor();
    const ok = q2.tecton.sources.promptForMFA({ message: 'Create the user "Tecton"?', code: 4021 });
    const el = await visiblePrompt();
    expect(el.shadowRoot!.querySelector('[part="message"]')!.textContent).to.equal('Create the user "Tecton"?');
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    expect(await ok).to.equal(undefined);
    const verified = (await audit()).find((e) => e.type === 'verify.success');
    expect(verified?.metadata).to.deep.equal({ reason: '4021' });

    // A different resource (app/* is fresh now and would resolve at once).
    const cancelled = q2.promptForMFA({ resource: 'users', action: 'create' }).then(() => null, (e: unknown) => e);
    await visiblePrompt();
    await sendKeys({ press: 'Escape' });
    const error = (await cancelled) as { name: string; code: string };
    expect(error.name).to.equal('MfaError');
    expect(error.code).to.equal('cancelled');
  });
});
