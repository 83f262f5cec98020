/**
 * Bad input around the frameworks: elements rendered by a framework before they are
 * defined, the script-tag bundle loaded twice, two copies of the package on one page, an
 * `api-base` where no MFA server is, and a server that is down. Each ends in a clear console
 * warning or a `reject` / resolved `{ success: false, error }` — never an uncaught error, an
 * unhandled rejection or a page that stops working.
 *
 * Order matters in this file: the first test runs before anything defines the elements.
 */
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { createElement } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import { createApp, h, ref, type App } from 'vue/dist/vue.esm-browser.js';
import type { IdpAuthResponse } from '../../src/core/types.js';
import type { MfaPrompt } from '../../src/elements/mfa-prompt/mfa-prompt.js';
import { MfaClient } from '../../src/client/mfa-client.js';
import { en } from '../../src/i18n/en.js';
import { enrollTotpFactor, signInNewUser, until } from '../helpers/session.js';
import { captureWarnings, checkResolved, enterNextCode, nextOutcome, pressEscape, watchPageErrors, type Outcome } from './drive.js';

type MfaApi = typeof import('../../src/index.js');
type FramePage = Window & typeof globalThis & { MfaElements: MfaApi; pageWarnings: string[]; pageErrors: string[] };

const shadow = (el: Element) => el.shadowRoot!;
const statusText = (el: Element) => shadow(el).querySelector('[part~="status"]')?.textContent?.trim() ?? '';

/** A blocking error is on screen (no code input), with focus on its buttons: the user can read it and leave. */
async function blockedWith(el: Element, text: string): Promise<void> {
  await until(() => statusText(el) === text && shadow(el).activeElement?.localName === 'button', 8000, `blocking message "${text}" (got "${statusText(el)}")`);
  expect(shadow(el).querySelector('dialog')!.open, 'shown as a dialog').to.equal(true);
}

describe('robustness (bad input)', () => {
  let cleanup: (() => void)[] = [];
  let errors: ReturnType<typeof watchPageErrors>;
  let warnings: ReturnType<typeof captureWarnings>;
  beforeEach(() => {
    errors = watchPageErrors();
    warnings = captureWarnings();
  });
  afterEach(() => {
    for (const fn of cleanup.reverse()) fn();
    cleanup = [];
    warnings.restore();
    errors.stop();
    expect(errors.errors, 'no uncaught errors or unhandled rejections').to.deep.equal([]);
  });

  it('React and Vue render the elements before they are defined; defined later, they upgrade and work', async () => {
    expect(customElements.get('mfa-prompt'), 'nothing defined yet in this page').to.equal(undefined);
    await signInNewUser('early');
    const { secret } = await enrollTotpFactor();

    // React 19 renders <mfa-prompt> while it is still an unknown element: props become attributes.
    const reactOutcomes: Outcome[] = [];
    const reactHost = document.body.appendChild(document.createElement('div'));
    const root: Root = createRoot(reactHost);
    cleanup.push(() => (root.unmount(), reactHost.remove()));
    const reactProps = (open: boolean) => ({
      resource: 'payments',
      action: 'transfer',
      open,
      onresolve: (e: CustomEvent<IdpAuthResponse>) => reactOutcomes.push({ type: 'resolve', detail: e.detail }),
      onreject: (e: CustomEvent<IdpAuthResponse>) => reactOutcomes.push({ type: 'reject', detail: e.detail }),
    });
    flushSync(() => root.render(createElement('mfa-prompt', reactProps(false))));
    const reactEl = reactHost.querySelector('mfa-prompt') as MfaPrompt;

    // Vue renders one too (a render function: the tag is an element, never a component).
    const vueOutcomes: Outcome[] = [];
    const vueRef = ref<MfaPrompt>();
    const vueHost = document.body.appendChild(document.createElement('div'));
    const app: App = createApp({
      render: () => h('mfa-prompt', {
        ref: vueRef,
        resource: 'account',
        action: 'delete',
        onResolve: (e: CustomEvent<IdpAuthResponse>) => vueOutcomes.push({ type: 'resolve', detail: e.detail }),
        onReject: (e: CustomEvent<IdpAuthResponse>) => vueOutcomes.push({ type: 'reject', detail: e.detail }),
      }),
    });
    app.mount(vueHost);
    cleanup.push(() => (app.unmount(), vueHost.remove()));
    expect(reactEl.shadowRoot, 'not upgraded yet').to.equal(null);

    // The definition arrives (lazy-loaded chunk, late script tag…).
    await import('../../src/define.js');
    await until(() => reactEl.shadowRoot && vueRef.value?.shadowRoot, 5000, 'upgrade');
    expect(reactEl.resource).to.equal('payments');
    expect(vueRef.value!.resource).to.equal('account');

    flushSync(() => root.render(createElement('mfa-prompt', reactProps(true))));
    await enterNextCode(reactEl, secret);
    expect(checkResolved(await nextOutcome(reactOutcomes, 0), 'payments', 'transfer')).to.equal(null);

    vueRef.value!.show();
    await pressEscape(vueRef.value!);
    expect((await nextOutcome(vueOutcomes, 0)).detail).to.include({ success: false, error: 'cancelled', resource: 'account' });
    expect(warnings.warnings).to.deep.equal([]);
  });

  it('the script-tag bundle loaded twice: one warning per element, and the page still steps up', async () => {
    await signInNewUser('twice');
    const { secret } = await enrollTotpFactor();
    const frame = document.body.appendChild(Object.assign(document.createElement('iframe'), { style: 'width: 900px; height: 700px' }));
    cleanup.push(() => frame.remove());
    await new Promise((resolve) => {
      frame.addEventListener('load', resolve, { once: true });
      frame.src = '/test/frameworks/fixtures/twice.html';
    });
    const win = frame.contentWindow as FramePage;
    const duplicates = win.pageWarnings.filter((w) => w.includes('another copy of mfa-elements'));
    expect(duplicates.some((w) => w.includes('<mfa-prompt>'))).to.equal(true);
    expect(duplicates.length, 'once per element').to.equal(new Set(duplicates).size);

    // The second copy's promise API drives the first copy's element, with its own client.
    const opener = win.document.getElementById('transfer')!;
    opener.focus();
    const outcome = win.MfaElements.openAuthIdpModal({ resource: 'payments', action: 'transfer' });
    const prompt = await until(() => win.document.querySelector('mfa-prompt'), 5000, 'prompt');
    await enterNextCode(prompt, secret);
    const result = await outcome;
    expect(checkResolved({ type: 'resolve', detail: result }, 'payments', 'transfer')).to.equal(null);
    expect(win.MfaElements.getAccessToken({ resource: 'payments', action: 'transfer' })).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(win.pageErrors).to.deep.equal([]);
  });

  it('two copies of the package on one page (npm modules + the ESM bundle): a warning, and both work', async () => {
    // This page already has the src/ copy (the first test defined the elements with it).
    await signInNewUser('copies');
    const { secret } = await enrollTotpFactor();
    const bundlePath = '/dist/mfa-elements.js';
    const other = (await import(/* @vite-ignore */ bundlePath)) as MfaApi;
    const treePath = '/dist/define.js';
    await import(/* @vite-ignore */ treePath); // a third copy: the tsc output, defining everything again
    const outcome = other.openAuthIdpModal({ resource: 'payments', action: 'transfer' });
    const prompt = await until(() => document.querySelector('body > mfa-prompt'), 5000, 'prompt');
    await enterNextCode(prompt, secret);
    const result = await outcome;
    expect(checkResolved({ type: 'resolve', detail: result }, 'payments', 'transfer')).to.equal(null);
    // The token is where that copy's API looks for it.
    expect(other.getAccessToken({ resource: 'payments', action: 'transfer' })).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const duplicates = warnings.warnings.filter((w) => w.includes('another copy of mfa-elements'));
    expect(duplicates.some((w) => w.includes('<mfa-prompt>'))).to.equal(true);
    expect(duplicates.length, 'once per element').to.equal(new Set(duplicates).size);
  });

  it('reopened the moment it closed (as a framework re-rendering `open` may), the new dialog stays up', async () => {
    await signInNewUser('reopen');
    const { secret } = await enrollTotpFactor();
    const el = document.body.appendChild(Object.assign(document.createElement('mfa-prompt'), { resource: 'payments', action: 'transfer' }));
    cleanup.push(() => el.remove());
    const outcomes: Outcome[] = [];
    el.addEventListener('resolve', (e) => outcomes.push({ type: 'resolve', detail: e.detail }));
    el.addEventListener('reject', (e) => outcomes.push({ type: 'reject', detail: e.detail }));
    // In the same task as the first closing: the old dialog's `close` event is still to come.
    el.addEventListener('mfa-hide', () => {
      if (outcomes.length === 1) Object.assign(el, { resource: 'account', action: 'delete', open: true });
    });
    el.show();
    await enterNextCode(el, secret);
    expect(checkResolved(await nextOutcome(outcomes, 0), 'payments', 'transfer')).to.equal(null);
    await pressEscape(el); // waits for the second dialog's input: it was not cancelled by itself
    expect((await nextOutcome(outcomes, 1)).detail).to.include({ success: false, error: 'cancelled', resource: 'account' });
    expect(outcomes).to.have.length(2);
  });

  it('an empty api-base falls back to the default /mfa', async () => {
    await signInNewUser('empty-base');
    const { secret } = await enrollTotpFactor();
    const el = document.body.appendChild(Object.assign(document.createElement('mfa-prompt'), { resource: 'payments', action: 'transfer' }));
    el.setAttribute('api-base', '');
    cleanup.push(() => el.remove());
    const resolved = new Promise<CustomEvent<IdpAuthResponse>>((r) => el.addEventListener('resolve', (e) => r(e as CustomEvent<IdpAuthResponse>), { once: true }));
    el.show();
    await enterNextCode(el, secret);
    expect((await resolved).detail.success).to.equal(true);
  });

  it('an api-base where no MFA server is: a console warning naming api-base, a message, and reject on close', async () => {
    await signInNewUser('no-server');
    const el = document.body.appendChild(Object.assign(document.createElement('mfa-prompt'), { resource: 'payments', action: 'transfer' }));
    el.setAttribute('api-base', '/not-mounted/mfa');
    cleanup.push(() => el.remove());
    const rejected = new Promise<CustomEvent<IdpAuthResponse>>((r) => el.addEventListener('reject', (e) => r(e as CustomEvent<IdpAuthResponse>), { once: true }));
    el.show();
    await blockedWith(el, en.serverError);
    expect(warnings.warnings.some((w) => w.includes('/not-mounted/mfa/challenges') && w.includes('api-base'))).to.equal(true);
    await sendKeys({ press: 'Escape' });
    const { detail } = await rejected;
    expect(detail).to.include({ success: false, error: 'server', resource: 'payments', action: 'transfer' });
  });

  it('a server that is down: the prompt says so, offers a retry, and rejects with error "network"', async () => {
    await signInNewUser('down');
    const down = 'http://127.0.0.1:9/mfa'; // nothing answers there: fetch fails like with a server that is down
    const el = document.body.appendChild(Object.assign(document.createElement('mfa-prompt'), { resource: 'payments', action: 'transfer' }));
    el.setAttribute('api-base', down);
    cleanup.push(() => el.remove());
    const rejected = new Promise<CustomEvent<IdpAuthResponse>>((r) => el.addEventListener('reject', (e) => r(e as CustomEvent<IdpAuthResponse>), { once: true }));
    el.show();
    await blockedWith(el, en.networkError);
    expect([...shadow(el).querySelectorAll('footer button')].map((b) => b.textContent!.trim())).to.include(en.tryAgain);
    await sendKeys({ press: 'Escape' });
    expect((await rejected).detail).to.include({ success: false, error: 'network' });

    // The promise API never throws for it: it resolves with the reason once the user closes.
    const { openAuthIdpModal } = await import('../../src/index.js');
    const outcome = openAuthIdpModal({ resource: 'payments', action: 'transfer', client: new MfaClient({ apiBase: down }) });
    const prompt = await until(() => document.querySelector('body > mfa-prompt:not([api-base])'), 5000, 'prompt');
    await blockedWith(prompt, en.networkError);
    await sendKeys({ press: 'Escape' });
    expect(await outcome).to.include({ success: false, error: 'network', resource: 'payments', action: 'transfer' });
  });
});
