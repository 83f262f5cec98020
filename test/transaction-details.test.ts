/**
 * What you see is what you sign, in the browser against the real server (the demo's bound
 * `POST /api/transfer {amount, to}`): the prompt shows the route's title and the transaction, the
 * token it yields carries out exactly that transfer once, and hostile details render as text.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import { MfaClient, getDefaultClient, interceptFetch, mfaFetch, openAuthIdpModal } from '../src/index.js';
import '../src/define.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { settled, visiblePrompt, watchEvents } from './helpers/drive.js';
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
    const pending = mfaFetch('/api/transfer', pay(250, 'Savings'));
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

    expect((await fetch('/api/transfer', pay(7000, 'Landlord', token))).status).to.equal(401);
    expect((await fetch('/api/transfer', pay(70, 'Mallory', token))).status).to.equal(401);
    expect((await fetch('/api/transfer', pay(70, 'Landlord', token))).status).to.equal(200);
    expect((await fetch('/api/transfer', pay(70, 'Landlord', token))).status).to.equal(401);
    expect((await transfers()).map((t) => [t.amount, t.to])).to.deep.equal([[70, 'Landlord']]);
  });

  it('interceptFetch: a plain fetch of the bound route shows the transaction too', async () => {
    await signInNewUser();
    const { secret } = await enrollTotpFactor();
    const undo = await interceptFetch({ match: '/api/transfer' });
    try {
      const pending = fetch('/api/transfer', pay(12.5, 'Electric Co'));
      const prompt = await visiblePrompt();
      expect(rowsOf(prompt)).to.deep.equal([['Amount', '$12.50'], ['To', 'Electric Co']]);
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      expect((await pending).status).to.equal(200);
    } finally {
      undo();
    }
  });

  it('two bound transfers at once are confirmed one by one, each prompt showing its own amount and payee', async () => {
    await signInNewUser();
    // Enrolled with the previous step's code, so the current and the next step give a code for each transfer.
    const enrollment = await new MfaClient().enroll('totp');
    await new MfaClient().confirmEnrollment(enrollment.factorId, await totpCode(enrollment.secret, -1));
    const codes = [await totpCode(enrollment.secret, 0), await totpCode(enrollment.secret, 1)];
    const watch = watchEvents();
    try {
      const sent = [{ amount: 1, to: 'Alice' }, { amount: 2, to: 'Bob' }];
      const settledWith: number[] = [];
      const pending = sent.map((t) => mfaFetch('/api/transfer', pay(t.amount, t.to)).then((r) => (settledWith.push(t.amount), r)));
      const shownRows: string[][][] = [];
      for (const [i, code] of codes.entries()) {
        // The next prompt: visible, with its own transaction (not the one just confirmed).
        const prompt = await until(() => {
          const p = document.querySelector('mfa-prompt');
          return p && p.querySelector('input') === document.activeElement && rowsOf(p).length && JSON.stringify(rowsOf(p)) !== JSON.stringify(shownRows[i - 1]) ? p : null;
        }, 5000, `prompt ${i + 1}`);
        expect(document.querySelectorAll('mfa-prompt').length, 'one prompt at a time').to.equal(1);
        expect(watch.shown()).to.equal(i + 1);
        shownRows.push(rowsOf(prompt));
        await sendKeys({ type: code });
        await sendKeys({ press: 'Enter' });
        // The transfer this prompt showed goes through, and only it, before the other is asked.
        const shownAmount = Number(shownRows[i]![0]![1]!.slice(1));
        const response = await pending[sent.findIndex((t) => t.amount === shownAmount)]!;
        expect(response.status).to.equal(200);
        expect((await response.json()).transfer).to.include({ amount: shownAmount });
        if (i === 0) expect(settledWith, 'the other transfer waits for its own prompt').to.deep.equal([shownAmount]);
      }
      // Each prompt showed exactly one of the two, each once.
      expect(shownRows.map((r) => JSON.stringify(r)).sort()).to.deep.equal([
        JSON.stringify([['Amount', '$1.00'], ['To', 'Alice']]),
        JSON.stringify([['Amount', '$2.00'], ['To', 'Bob']]),
      ]);
      expect((await Promise.all(pending)).map((r) => r.status)).to.deep.equal([200, 200]);
      expect((await transfers()).map((t) => [t.amount, t.to]).sort()).to.deep.equal([[1, 'Alice'], [2, 'Bob']]);
      expect(watch.shown()).to.equal(2);
    } finally {
      watch.stop();
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
    // A left-to-right value ("Acme Ltd") in a right-to-left dialog sits on the start (right) side of
    // its cell, next to its label, not pushed to the far left edge.
    for (const dd of prompt.shadowRoot!.querySelectorAll('dd')) {
      const cell = dd.getBoundingClientRect();
      const text = dd.querySelector('bdi')!.getBoundingClientRect();
      expect(cell.right - text.right, `"${dd.textContent}" starts at the right of its cell`).to.be.below(2);
    }
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
    // Each value is isolated with its own direction (a <bdi>), so the Hebrew payee cannot reorder its row.
    for (const dd of root.querySelectorAll('dd')) expect(dd.firstElementChild?.localName).to.equal('bdi');
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
    const response = await mfaFetch('/api/transfer', pay(1, 'x'.repeat(10_240)));
    expect(response.status).to.equal(400);
    expect(document.querySelector('mfa-prompt')).to.equal(null);
  });
});
