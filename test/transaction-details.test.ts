/**
 * What you see is what you sign, in the browser against the real server (the demo's bound
 * `POST /api/payments {amount, to}`): the prompt shows the route's title and the transaction, the
 * token it yields carries out exactly that transfer once, and hostile details render as text.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import { getDefaultClient, interceptFetch, mfaFetch, openAuthIdpModal } from '../src/index.js';
import '../src/define.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { settled, visiblePrompt } from './helpers/drive.js';
import { totpCode } from './helpers/totp-webcrypto.js';

const transfers = async () => (await (await fetch('/demo/transfers')).json()).transfers as { amount: number; to: string }[];
const pay = (amount: number, to: string, token?: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token && { 'step-up-token': token }) },
  body: JSON.stringify({ amount, to }),
});

/** The rows of the "You are confirming" block, as the user reads them. */
const rowsOf = (prompt: Element) =>
  [...prompt.shadowRoot!.querySelectorAll('[part~="detail"]')].map((row) => [
    row.querySelector('dt')!.textContent!.trim(),
    row.querySelector('dd')!.textContent!.trim(),
  ]);

describe('a bound transfer, against the real server', () => {
  afterEach(() => setViewport({ width: 800, height: 600 }));

  it('mfaFetch shows the title, amount and payee; the token carries out exactly that transfer, once', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const pending = mfaFetch('/api/payments', pay(250, 'Savings'));
    const prompt = await visiblePrompt();
    const root = prompt.shadowRoot!;
    expect(root.querySelector('[part~="title"]')!.textContent!.trim()).to.equal('Send money');
    expect(root.querySelector('[part~="details"]')!.textContent).to.contain('You are confirming');
    expect(rowsOf(prompt)).to.deep.equal([['Amount', '$250.00'], ['To', 'Savings']]);
    await expect(prompt).to.be.accessible();
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    expect((await pending).status).to.equal(200);
    expect((await transfers()).map((t) => [t.amount, t.to])).to.deep.equal([[250, 'Savings']]);
  });

  it('openAuthIdpModal({ details }) by hand: another amount, another payee, a second use are refused', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const done = openAuthIdpModal({ resource: 'payments', action: 'transfer', details: { amount: '$70.00', to: 'Landlord' } });
    const prompt = await visiblePrompt();
    // No title from the app: the default for the action, never the bare "Confirm it's you".
    expect(prompt.shadowRoot!.querySelector('[part~="title"]')!.textContent!.trim()).to.equal('Confirm the transfer');
    await sendKeys({ type: await totpCode(secret, 1) });
    await sendKeys({ press: 'Enter' });
    expect((await done).success).to.equal(true);
    const token = getDefaultClient().tokens.take('payments', 'transfer')!.token;

    expect((await fetch('/api/payments', pay(7000, 'Landlord', token))).status).to.equal(401);
    expect((await fetch('/api/payments', pay(70, 'Mallory', token))).status).to.equal(401);
    expect((await fetch('/api/payments', pay(70, 'Landlord', token))).status).to.equal(200);
    expect((await fetch('/api/payments', pay(70, 'Landlord', token))).status).to.equal(401);
    expect((await transfers()).map((t) => [t.amount, t.to])).to.deep.equal([[70, 'Landlord']]);
  });

  it('interceptFetch: a plain fetch of the bound route shows the transaction too', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const undo = await interceptFetch({ match: '/api/payments' });
    try {
      const pending = fetch('/api/payments', pay(12.5, 'Electric Co'));
      const prompt = await visiblePrompt();
      expect(rowsOf(prompt)).to.deep.equal([['Amount', '$12.50'], ['To', 'Electric Co']]);
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      expect((await pending).status).to.equal(200);
    } finally {
      undo();
    }
  });

  it('labels are translated (Hebrew, right to left); values stay as the server wrote them', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    const prompt = await fixture<MfaPrompt>(html`<mfa-prompt locale="he" resource="payments" action="transfer" .details=${{ amount: '₪1,250.00', to: 'Acme Ltd', memo: 'rent' }}></mfa-prompt>`);
    prompt.show();
    // The Hebrew strings load on first use; the rows must end up in Hebrew.
    await until(() => prompt.querySelector('input') === document.activeElement && rowsOf(prompt)[0]?.[0] === 'סכום', 5000, 'code step in Hebrew');
    expect(rowsOf(prompt)).to.deep.equal([['סכום', '₪1,250.00'], ['אל', 'Acme Ltd'], ['memo', 'rent']]);
    expect(prompt.shadowRoot!.querySelector('[part~="title"]')!.textContent!.trim()).to.equal('אישור ההעברה');
    await settled(prompt); // the opening animation is over (axe measures real colors)
    await expect(prompt).to.be.accessible();
    prompt.hide();
  });

  it('hostile but allowed details render as text, right-to-left safely, and wrap at 320 px', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    await setViewport({ width: 320, height: 640 });
    const details = {
      to: '<img src=x onerror="window.pwned=1">',
      payee: 'שלום עליכם בע״מ',
      iban: 'X'.repeat(200),
    };
    const prompt = await fixture<MfaPrompt>(html`<mfa-prompt resource="payments" action="transfer" .details=${details}></mfa-prompt>`);
    prompt.show();
    await until(() => prompt.querySelector('input') === document.activeElement, 5000, 'code step');
    const root = prompt.shadowRoot!;
    expect(root.querySelector('img')).to.equal(null);
    expect((window as { pwned?: number }).pwned).to.equal(undefined);
    expect(rowsOf(prompt)).to.deep.equal([['To', details.to], ['Payee', details.payee], ['iban', details.iban]]);
    for (const dd of root.querySelectorAll('dd')) expect(dd.getAttribute('dir')).to.equal('auto');
    const dialog = root.querySelector<HTMLElement>('[part~="dialog"]')!;
    expect(dialog.getBoundingClientRect().right).to.be.at.most(320);
    const body = root.querySelector<HTMLElement>('[part~="details"]')!;
    expect(body.scrollWidth).to.be.at.most(body.clientWidth + 1);
    prompt.hide();
  });

  it('details the server refuses (10 KB, 100 keys, a bidi override) end in a clear error, not a broken prompt', async () => {
    await signInNewUser();
    await enrollTotpFactor();
    for (const details of [
      { to: 'x'.repeat(10_240) },
      Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'])),
      { to: 'evil\u202eSavings' },
    ]) {
      const refused = await fetch('/mfa/challenges', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resource: 'payments', action: 'transfer', details }),
      });
      expect(refused.status).to.equal(400);
      expect((await refused.json()).error.code).to.equal('malformed_request');
    }
    // Through the page: the route refuses a 10 KB payee itself, and mfaFetch opens nothing.
    const response = await mfaFetch('/api/payments', pay(1, 'x'.repeat(10_240)));
    expect(response.status).to.equal(400);
    expect(document.querySelector('mfa-prompt')).to.equal(null);
  });
});
