import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { MfaClient, MfaError, configure, getDefaultClient, interceptFetch, mfaFetch, openAuthIdpModal, trackUserAction, type MfaClientOptions } from '../src/index.js';
import '../src/define.js'; // enrollIfMissing embeds <mfa-enroll>, which the app registers
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { visiblePrompt } from './helpers/drive.js';
import { totpCode } from './helpers/totp-webcrypto.js';
import { latestCode } from './helpers/outbox.js';
import { otherOrigins, type OtherOrigins } from './helpers/other-origin.js';

const transfers = async () => (await (await fetch('/demo/transfers')).json()).transfers as { amount: number }[];
/** The demo's bound transfer (`POST /api/transfer {amount, to}`): the body the binding reads. */
const postTransfer = (amount: number) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount, to: 'Savings' }) });
/** The demo's unbound, one-time route: a statement for `month`. */
const statementOf = async (response: Response) => (await response.json()).statement as { month: string };

/** Counts dialogs that became visible while `run` ran. */
async function shownDuring(run: () => Promise<unknown>): Promise<number> {
  let shown = 0;
  const count = () => shown++;
  document.addEventListener('mfa-show', count);
  try {
    await run();
  } finally {
    document.removeEventListener('mfa-show', count);
  }
  return shown;
}

/** Steps up for `scope` through the prompt with the authenticator's next code (step 1). */
async function stepUp(secret: string, scope: { resource: string; action: string }, client?: MfaClient): Promise<void> {
  const done = openAuthIdpModal({ ...scope, client });
  await visiblePrompt();
  await sendKeys({ type: await totpCode(secret, 1) });
  await sendKeys({ press: 'Enter' });
  expect((await done).success).to.equal(true);
}

describe('mfaFetch and freshness, against the real server', () => {
  it('steps up on the 401 and retries once: the guarded handler runs exactly once', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const pending = mfaFetch('/api/transfer', postTransfer(42));
    await visiblePrompt();
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    expect((await pending).status).to.equal(200);
    expect((await transfers()).map((t) => t.amount)).to.deep.equal([42]);
  });

  it('a route that accepts only knowledge answers (acr_values="kba") gets the integration\'s questions', async () => {
    await signInNewUser();
    await enrollTotpFactor(); // a real factor exists, but this route wants the bank's questions
    const pending = mfaFetch('/api/bank/connect', { method: 'POST' });
    const prompt = await until(() => document.querySelector('mfa-prompt')?.shadowRoot?.querySelector<HTMLInputElement>('.answer input'), 5000, 'question');
    prompt.focus();
    await sendKeys({ type: 'Rex' });
    await sendKeys({ press: 'Enter' });
    const checking = await until(() => [...document.querySelector('mfa-prompt')!.shadowRoot!.querySelectorAll<HTMLInputElement>('.answer input[type=radio]')].find((r) => r.value === 'acc-4821'), 5000, 'accounts');
    checking.click();
    document.querySelector('mfa-prompt')!.shadowRoot!.querySelector<HTMLButtonElement>('[part~="verify-button"]')!.click();
    await until(() => document.querySelector('mfa-prompt')?.querySelector('input') === document.activeElement, 5000, 'code step');
    await sendKeys({ type: (await latestCode()).code });
    await sendKeys({ press: 'Enter' });
    const response = await pending;
    expect(response.status).to.equal(200);
    expect((await response.json()).connected).to.equal('Checking ••• 4821');
  });

  it('shares one prompt between two concurrent unbound requests; each is retried with a token of its own', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    let responses: Response[] = [];
    const shown = await shownDuring(async () => {
      const both = Promise.all([mfaFetch('/api/statements?month=2026-10'), mfaFetch('/api/statements?month=2026-11')]);
      await visiblePrompt();
      expect(document.querySelectorAll('mfa-prompt').length).to.equal(1);
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      responses = await both;
    });
    expect(shown).to.equal(1);
    expect(responses.map((r) => r.status)).to.deep.equal([200, 200]);
    // The handler ran for each request (the route is one-time: one token could not open it twice).
    expect((await Promise.all(responses.map(statementOf))).map((s) => s.month)).to.deep.equal(['2026-10', '2026-11']);
  });

  it('throws a typed MfaError on cancel when asked to, and runs nothing', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const client = new MfaClient({ onStepUpCancel: 'throw' });
    client.opener = (scope) => openAuthIdpModal({ ...scope, client });
    const pending = client.fetch('/api/transfer', postTransfer(5)).then(() => null, (e: unknown) => e);
    await visiblePrompt();
    await sendKeys({ press: 'Escape' });
    const error = await pending;
    expect(error).to.be.instanceOf(MfaError);
    expect((error as MfaError).code).to.equal('cancelled');
    expect(await transfers()).to.deep.equal([]);
  });

  it('passes a 401 without the step-up error through untouched', async () => {
    // Signed out: the guard answers a plain 401 `unauthenticated`, which is not ours to answer.
    await fetch('/demo/logout', { method: 'POST' });
    const shown = await shownDuring(async () => {
      const response = await mfaFetch('/api/transfer', postTransfer(1));
      expect(response.status).to.equal(401);
      expect((await response.json()).error.code).to.equal('unauthenticated');
    });
    expect(shown).to.equal(0);
  });

  it('resolves a fresh step-up of the same action silently; another action and forceStepUp still prompt', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const first = openAuthIdpModal({ resource: 'payments', action: 'transfer' });
    await visiblePrompt();
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    expect((await first).success).to.equal(true);

    let again: Awaited<ReturnType<typeof openAuthIdpModal>> | undefined;
    const shown = await shownDuring(async () => {
      again = await openAuthIdpModal({ resource: 'payments', action: 'transfer' });
    });
    expect(shown).to.equal(0);
    expect(again!.success).to.equal(true);
    expect(again!.sid).to.be.a('string');

    // A step-up to transfer does not approve a refund (freshness is per resource and action).
    const other = openAuthIdpModal({ resource: 'payments', action: 'refund' });
    await visiblePrompt();
    await sendKeys({ press: 'Escape' });
    expect((await other).error).to.equal('cancelled');

    const forced = openAuthIdpModal({ resource: 'payments', action: 'transfer', forceStepUp: true });
    await visiblePrompt();
    await sendKeys({ press: 'Escape' });
    expect((await forced).error).to.equal('cancelled');
  });

  it('clearMfa in one tab drops the tokens held by another', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const thisTab = new MfaClient();
    const otherTab = new MfaClient();
    const challenge = await otherTab.startChallenge({ resource: 'payments', action: 'transfer' });
    if (challenge.status !== 'CHALLENGED') throw new Error('expected a challenge');
    await otherTab.resume(challenge.challengeId, [{ guid: challenge.challenges[0].guid, value: await totpCode(secret, 1) }]);
    expect(otherTab.token.getAccessToken({ resource: 'payments', action: 'transfer' })).to.be.a('string');
    await thisTab.clearMfa();
    await until(() => otherTab.token.getAccessToken({ resource: 'payments', action: 'transfer' }) === null, 2000, 'token cleared');
    // The server forgot the freshness too: a new challenge asks for a code again.
    expect((await otherTab.startChallenge({ resource: 'payments', action: 'transfer' })).status).to.equal('CHALLENGED');
  });

  it('interceptFetch makes plain fetch step up by itself (Q2 behaviour), and undoes cleanly', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const original = window.fetch;
    const undo = await interceptFetch({ match: '/api/' });
    try {
      const pending = fetch('/api/transfer', postTransfer(7));
      await visiblePrompt();
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      expect((await pending).status).to.equal(200);
    } finally {
      undo();
    }
    expect(window.fetch).to.equal(original);
  });

  it('enrollIfMissing: a user without a factor enrolls inside the same modal, then steps up', async () => {
    await signInNewUser();
    expect(await openAuthIdpModal({ resource: 'payments', action: 'transfer' })).to.include({ success: false, error: 'not_enrolled' });

    const result = openAuthIdpModal({ resource: 'payments', action: 'transfer', enrollIfMissing: true });
    const enroll = await until(() => document.querySelector('mfa-prompt')?.shadowRoot?.querySelector('mfa-enroll')?.shadowRoot?.querySelector('[part~="secret"]') ? document.querySelector('mfa-prompt')!.shadowRoot!.querySelector('mfa-enroll')! : null, 5000, 'embedded enrollment');
    const secret = enroll.shadowRoot!.querySelector('[part~="secret"]')!.textContent!.replace(/\s/g, '');
    // The embedded enrollment lives in the prompt's shadow root, so that is where focus shows.
    await until(() => document.querySelector('mfa-prompt')!.shadowRoot!.activeElement === enroll.querySelector('input'), 5000, 'enroll input focused');
    await sendKeys({ type: await totpCode(secret, 0) });
    await sendKeys({ press: 'Enter' });
    const done = await until(() => enroll.shadowRoot!.querySelector<HTMLButtonElement>('[part~="done-button"]'), 5000, 'recovery codes');
    done.click();
    const prompt = await visiblePrompt();
    expect(prompt.shadowRoot!.querySelector('#intro')!.textContent).to.contain('new code');
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    const response = await result;
    expect(response).to.include({ success: true, resource: 'payments', action: 'transfer' });
  });

  it('trackUserAction lands in the audit log', async () => {
    await signInNewUser();
    await trackUserAction({ tag: 'admin:access', severity: 'high', status: true, metadata: { action: 'read' } }, { webhookNotification: true });
    const { events } = await (await fetch('/demo/audit')).json();
    // A client-sent severity is capped at 'warning' (docs/security.md "Audit endpoint"); the app's own word stays in metadata.
    expect(events[0]).to.include({ type: 'user.action', severity: 'warning', status: 'success' });
    expect(events[0].metadata).to.deep.equal({ tag: 'admin:access', severity: 'high', data: { action: 'read' }, webhookNotification: true });
  });

  // Other origins: the test server has one origin and no CORS, so a cross-origin 401 could not even
  // be read; a service worker stands in for the servers there (test/helpers/other-origin.ts). It
  // echoes and records each request as the browser sent it, i.e. what the other server would see.
  // mfaFetch runs in this page (location.origin is the test server's) and fetches through the
  // worker's frame; this origin's requests still reach the real server.
  describe('across origins: tokens and answers for this origin and trustedOrigins only', () => {
    let others: OtherOrigins;
    before(async () => {
      others = await otherOrigins();
    });
    after(async () => {
      await others.close();
    });
    beforeEach(async () => {
      await others.requests(); // forget what earlier tests sent
    });
    /** A client that fetches through the worker's frame and steps up through the prompt. */
    const clientFor = (options: MfaClientOptions = {}) => {
      const client = new MfaClient({ fetch: others.fetch, ...options });
      client.opener = (scope) => openAuthIdpModal({ ...scope, client });
      return client;
    };
    const challengeAt = (origin: string, path: string, scope: string, extra = '&max_age=300') => {
      const [resource, action] = scope.split('/');
      return `${origin}${path}?status=401&resource=${resource}&action=${action}${extra}`;
    };

    it('a path stepped up on this origin sends no token to the same path on another origin, even a trusted one', async () => {
      await signInNewUser();
      const { secret } = await enrollTotpFactor();
      // Trusted, so only the cache key (origin + method + path) keeps this origin's scope from it.
      const client = clientFor({ trustedOrigins: ['https://partner.example'] });
      const pending = client.fetch('/api/statements');
      await visiblePrompt();
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      expect((await pending).status).to.equal(200);
      // That request spent its token; hold another (still fresh: no prompt) for the same scope.
      expect((await openAuthIdpModal({ resource: 'statements', action: 'read', client })).success).to.equal(true);
      expect(client.token.getAccessToken({ resource: 'statements', action: 'read' })).to.be.a('string');

      let response!: Response;
      const shown = await shownDuring(async () => {
        response = await client.fetch('https://partner.example/api/statements');
      });
      const received = await others.requests();
      expect(received.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['GET https://partner.example/api/statements']);
      expect(received[0].headers).to.not.have.property('step-up-token');
      expect((await response.json()).received.headers).to.not.have.property('step-up-token');
      expect(shown).to.equal(0);
    });

    it("another origin's step-up 401 comes back untouched: no prompt, no retry, no token — even while the scope is fresh", async () => {
      await signInNewUser();
      const { secret } = await enrollTotpFactor();
      const client = clientFor();
      // Fresh for payments/transfer, token held: answering now would be silent and send it.
      await stepUp(secret, { resource: 'payments', action: 'transfer' }, client);
      expect(client.token.getAccessToken({ resource: 'payments', action: 'transfer' })).to.be.a('string');

      let response!: Response;
      const shown = await shownDuring(async () => {
        response = await client.fetch(challengeAt('https://evil.example', '/api/transfer', 'payments/transfer'), postTransfer(1));
      });
      expect(shown).to.equal(0);
      expect(response.status).to.equal(401);
      expect(response.headers.get('www-authenticate')).to.equal('Bearer error="insufficient_user_authentication", acr_values="mfa", max_age=300');
      const body = await response.json();
      expect(body).to.include({ resource: 'payments', action: 'transfer' });
      expect(body.received.headers).to.not.have.property('step-up-token'); // it is the first answer
      const received = await others.requests();
      expect(received).to.have.length(1);
      expect(received[0].headers).to.not.have.property('step-up-token');
    });

    it('never answers a challenge for resource mfa: not from this origin, a trusted one or any other — even while mfa/manage is fresh', async () => {
      await signInNewUser();
      const { secret } = await enrollTotpFactor();
      const client = clientFor({ trustedOrigins: ['https://partner.example'] });
      await stepUp(secret, { resource: 'mfa', action: 'manage' }, client);
      expect(client.token.getAccessToken({ resource: 'mfa', action: 'manage' })).to.be.a('string');

      const responses: Response[] = [];
      const shown = await shownDuring(async () => {
        // This origin, the real server: adding a second factor needs mfa/manage.
        responses.push(await client.fetch('/mfa/factors', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'totp' }) }));
        responses.push(await client.fetch(challengeAt('https://partner.example', '/api/settings', 'mfa/manage'), { method: 'POST' }));
        responses.push(await client.fetch(challengeAt('https://evil.example', '/api/transfer', 'mfa/manage'), { method: 'POST' }));
      });
      expect(shown).to.equal(0);
      expect(responses.map((r) => r.status)).to.deep.equal([401, 401, 401]);
      const bodies = await Promise.all(responses.map((r) => r.json()));
      expect(bodies.map((b) => `${b.error.code} ${b.resource}/${b.action}`)).to.deep.equal(Array(3).fill('insufficient_user_authentication mfa/manage'));
      const received = await others.requests();
      expect(received.map((r) => r.url.split('?')[0])).to.deep.equal(['https://partner.example/api/settings', 'https://evil.example/api/transfer']);
      for (const r of received) expect(r.headers).to.not.have.property('step-up-token');
      // Nothing was added: the user still has the one factor.
      expect((await client.listFactors()).factors.filter((f) => f.type === 'totp')).to.have.length(1);
    });

    it('trustedOrigins: a listed origin is answered and gets the token, an unlisted one is not', async () => {
      await signInNewUser();
      const { secret } = await enrollTotpFactor();
      const client = clientFor({ trustedOrigins: ['https://partner.example/'] }); // a trailing slash is fine
      const pending = client.fetch(challengeAt('https://partner.example', '/api/transfer', 'payments/transfer'), postTransfer(5));
      await visiblePrompt();
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      const answered = await pending;
      expect(answered.status).to.equal(200);
      const sent = (await others.requests()).map((r) => r.headers['step-up-token'] ?? null);
      expect(sent[0]).to.equal(null);
      expect(sent[1]).to.be.a('string');
      expect(sent).to.have.length(2);
      // Spent: the token went with that one request and is not held for another.
      expect(client.token.getAccessToken({ resource: 'payments', action: 'transfer' })).to.equal(null);

      let evil!: Response;
      const shown = await shownDuring(async () => {
        evil = await client.fetch(challengeAt('https://evil.example', '/api/transfer', 'payments/transfer'), postTransfer(6));
      });
      expect(shown).to.equal(0);
      expect(evil.status).to.equal(401);
      const received = await others.requests();
      expect(received).to.have.length(1);
      expect(received[0].headers).to.not.have.property('step-up-token');
    });

    it("passes the route's max_age from the 401 body to the challenge when the header has none", async function () {
      this.timeout(20000);
      await signInNewUser();
      const { secret } = await enrollTotpFactor();
      const client = clientFor({ trustedOrigins: ['https://partner.example'] });
      await stepUp(secret, { resource: 'payments', action: 'transfer' }, client);
      // The step-up is fresh for the server's window (15 min), but older than this route's 1 s.
      await new Promise((r) => setTimeout(r, 2200));
      let response!: Response;
      const shown = await shownDuring(async () => {
        const pending = client.fetch(challengeAt('https://partner.example', '/api/transfer', 'payments/transfer', '&body_max_age=1'), postTransfer(7));
        await visiblePrompt(); // freshness older than max_age does not count: a new code is needed
        await sendKeys({ press: 'Escape' });
        response = await pending;
      });
      expect(shown).to.equal(1);
      expect(response.status).to.equal(401);
      expect(response.headers.get('www-authenticate')).to.not.contain('max_age');
      const received = await others.requests();
      expect(received).to.have.length(1);
      expect(received[0].headers).to.not.have.property('step-up-token');
    });

    it('interceptFetch answers configure()d trustedOrigins only, and passes the rest through untouched', async () => {
      const previous = getDefaultClient();
      const original = window.fetch;
      configure({ trustedOrigins: ['https://partner.example'] });
      window.fetch = others.fetch; // the page's fetch is now the worker frame's
      const undo = await interceptFetch({ match: /^https:\/\// });
      try {
        await signInNewUser();
        const { secret } = await enrollTotpFactor();
        await stepUp(secret, { resource: 'payments', action: 'transfer' }); // the default client
        let evil!: Response;
        let partner!: Response;
        const shown = await shownDuring(async () => {
          evil = await fetch(challengeAt('https://evil.example', '/api/transfer', 'payments/transfer'), postTransfer(8));
          partner = await fetch(challengeAt('https://partner.example', '/api/transfer', 'payments/transfer'), postTransfer(9));
        });
        expect(shown).to.equal(0); // partner: the step-up is still fresh
        expect(evil.status).to.equal(401);
        expect(partner.status).to.equal(200);
        const spent = getDefaultClient().token.getAccessToken({ resource: 'payments', action: 'transfer' });
        expect(spent).to.equal(null, 'the retry spent its token');
        expect((await others.requests()).map((r) => `${new URL(r.url).host} ${r.headers['step-up-token'] ? 'token' : null}`))
          .to.deep.equal(['evil.example null', 'partner.example null', 'partner.example token']);
      } finally {
        undo();
        window.fetch = original;
        configure({ client: previous });
      }
    });
  });
});
