// A web-test-runner server plugin that drives Chromium's virtual WebAuthn authenticator over CDP,
// so browser tests can register and use passkeys without hardware or prompts.
// Browser side: test/helpers/virtual-authenticator.ts (executeServerCommand wrappers).
//
// Commands (payload → result):
//   webauthn-add-authenticator     { userVerified?: boolean = true } → { authenticatorId }
//   webauthn-set-user-verified     { authenticatorId, isUserVerified } → true
//   webauthn-remove-authenticator  { authenticatorId } → true
//   webauthn-credentials           { authenticatorId } → WebAuthn.getCredentials result ({ credentials })
// Any other command → undefined, so the other command plugins still get their turn.
//
// Chromium keeps virtual authenticators only while the CDP session that created them is attached,
// so there is one CDP session per wtr session id, reused by every command of that session and
// dropped when the page closes.

const PREFIX = 'webauthn-';

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function webauthnPlugin() {
  /** @type {Map<string, Promise<{ cdp: any, enabled: Promise<unknown> | undefined }>>} */
  const sessions = new Map();

  /** The (one) CDP session of a wtr session, created on first use. */
  function cdpFor(session) {
    let entry = sessions.get(session.id);
    if (!entry) {
      entry = (async () => {
        if (session.browser.type !== 'playwright') {
          throw new Error(`webauthn commands need the playwright launcher (got "${session.browser.type}")`);
        }
        const page = session.browser.getPage(session.id);
        const cdp = await page.context().newCDPSession(page);
        page.once('close', () => sessions.delete(session.id));
        return { cdp, enabled: undefined };
      })();
      sessions.set(session.id, entry);
      entry.catch(() => sessions.delete(session.id));
    }
    return entry;
  }

  function requireId(payload, command) {
    const id = payload && payload.authenticatorId;
    if (typeof id !== 'string' || !id) throw new Error(`${command}: payload.authenticatorId (string) is required`);
    return id;
  }

  return {
    name: 'webauthn-virtual-authenticator',

    async executeCommand({ command, payload, session }) {
      if (typeof command !== 'string' || !command.startsWith(PREFIX)) return undefined;
      switch (command) {
        case 'webauthn-add-authenticator': {
          const entry = await cdpFor(session);
          entry.enabled ??= entry.cdp.send('WebAuthn.enable');
          await entry.enabled;
          const isUserVerified = payload?.userVerified ?? true;
          const { authenticatorId } = await entry.cdp.send('WebAuthn.addVirtualAuthenticator', {
            options: {
              protocol: 'ctap2',
              transport: 'internal',
              hasResidentKey: true,
              hasUserVerification: true,
              isUserVerified: Boolean(isUserVerified),
              automaticPresenceSimulation: true,
            },
          });
          return { authenticatorId };
        }
        case 'webauthn-set-user-verified': {
          const authenticatorId = requireId(payload, command);
          const { cdp } = await cdpFor(session);
          await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: Boolean(payload.isUserVerified) });
          return true;
        }
        case 'webauthn-remove-authenticator': {
          const authenticatorId = requireId(payload, command);
          const { cdp } = await cdpFor(session);
          await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
          return true;
        }
        case 'webauthn-credentials': {
          const authenticatorId = requireId(payload, command);
          const { cdp } = await cdpFor(session);
          return cdp.send('WebAuthn.getCredentials', { authenticatorId });
        }
        case 'webauthn-add-credential': {
          // Puts a credential (e.g. a copy of another authenticator's, with an older counter) on this one.
          const authenticatorId = requireId(payload, command);
          const { cdp } = await cdpFor(session);
          await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: payload.credential });
          return true;
        }
        default:
          return undefined;
      }
    },

    async serverStop() {
      const entries = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(entries.map(async (e) => (await e).cdp.detach()));
    },
  };
}
