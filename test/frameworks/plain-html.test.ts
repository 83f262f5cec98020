/**
 * Plain HTML: a page with nothing but `<script src="/dist/mfa-elements.iife.js">` (the built
 * script-tag bundle, `npm run build` first) and a few lines of plain JS, in a same-origin iframe
 * so that nothing from this test module leaks into it. Real server, real step-up.
 */
import { expect } from '@open-wc/testing';
import type { MfaPrompt } from '../../src/elements/mfa-prompt/mfa-prompt.js';
import de from '../../src/i18n/locales/de.js';
import { enrollTotpFactor, signInNewUser, until } from '../helpers/session.js';
import { checkResolved, codeInputFocused, enterNextCode, nextOutcome, pressEscape, watchPageErrors, type Outcome } from './drive.js';

type PageWindow = Window & typeof globalThis & { outcomes: Outcome[]; MfaElements?: Record<string, unknown> };

async function loadPage(src: string): Promise<{ frame: HTMLIFrameElement; win: PageWindow; doc: Document }> {
  const frame = document.createElement('iframe');
  frame.style.cssText = 'width: 900px; height: 700px; border: 0';
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  frame.src = src;
  document.body.append(frame);
  await loaded;
  const win = frame.contentWindow as PageWindow;
  return { frame, win, doc: frame.contentDocument! };
}

describe('plain HTML with the script-tag bundle (dist/mfa-elements.iife.js)', () => {
  let frame: HTMLIFrameElement | undefined;
  afterEach(() => frame?.remove());

  it('defines the elements and the global from one <script src>, steps up, then cancels a German prompt', async () => {
    await signInNewUser('plain');
    const { secret } = await enrollTotpFactor();
    const page = await loadPage('/test/frameworks/fixtures/plain.html');
    frame = page.frame;
    const { win, doc } = page;
    const errors = watchPageErrors(win);

    const script = doc.querySelector('script[src="/dist/mfa-elements.iife.js"]')!;
    expect(script, 'a real script tag').to.exist;
    expect(win.customElements.get('mfa-prompt'), 'defined by the bundle').to.be.a('function');
    expect(win.customElements.get('mfa-enroll')).to.be.a('function');
    expect(win.MfaElements?.openAuthIdpModal).to.be.a('function');

    // 1. Transfer: the user clicks, types the app's next code, the page's listener hears `resolve`.
    const transfer = doc.getElementById('transfer-prompt') as MfaPrompt;
    doc.getElementById('transfer')!.focus();
    doc.getElementById('transfer')!.click();
    await codeInputFocused(transfer);
    // The details property set by the page's plain script is what the user reads.
    expect(transfer.shadowRoot!.querySelector('[part~="details"]')!.textContent).to.match(/\$100\.00[\s\S]*Savings/);
    await enterNextCode(transfer, secret);
    const first = await nextOutcome(win.outcomes, 0);
    expect(checkResolved(first, 'payments', 'transfer')).to.equal(null);
    // The token landed in the bundle's client and opens the guarded route.
    const getAccessToken = win.MfaElements!.getAccessToken as (s: { resource: string; action: string }) => string | null;
    const token = getAccessToken({ resource: 'payments', action: 'transfer' });
    expect(token).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const send = (amount: number) => fetch('/api/transfer', {
      method: 'POST',
      headers: { 'Step-Up-Token': token!, 'content-type': 'application/json' },
      body: JSON.stringify({ amount, to: 'Savings' }),
    });
    // Another amount is refused; the one shown passes, once.
    expect((await send(1000)).status).to.equal(401);
    expect((await send(100)).status).to.equal(200);

    // 2. Another resource (a fresh step-up covers only `payments`), in German: strings come from
    //    dist/locales/de.js beside the bundle, fetched on first use. Escape cancels it.
    const remove = doc.getElementById('delete-prompt') as MfaPrompt;
    doc.getElementById('delete')!.focus();
    doc.getElementById('delete')!.click();
    const title = () => remove.shadowRoot!.querySelector('[part~="title"]')?.textContent?.trim();
    await until(() => title() === de.promptTitle, 8000, `German title (got "${title()}")`);
    const cancelButton = remove.shadowRoot!.querySelector('[part~="cancel-button"]')!;
    expect(cancelButton.textContent!.trim()).to.equal(de.cancel);
    expect(remove.querySelector('input')!.getAttribute('aria-label')).to.equal(de.codeLabel);
    const localeFiles = win.performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.includes('/locales/'));
    expect(localeFiles).to.deep.equal(['/dist/locales/de.js']);
    await pressEscape(remove);
    const second = await nextOutcome(win.outcomes, 1);
    expect(second.type).to.equal('reject');
    expect(second.detail).to.include({ success: false, error: 'cancelled', resource: 'account', action: 'delete' });
    expect(win.outcomes).to.have.length(2);
    expect(doc.activeElement, 'focus back on the opener').to.equal(doc.getElementById('delete'));

    errors.stop();
    expect(errors.errors).to.deep.equal([]);
  });
});
