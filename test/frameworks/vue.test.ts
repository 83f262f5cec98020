/**
 * Vue 3: `<mfa-prompt>` in a Vue template (compiled at runtime by vue.esm-browser.js), marked as a
 * custom element with `compilerOptions.isCustomElement`, with property bindings (`:resource`,
 * `:open`) and event bindings (`v-on:resolve`, `@reject`, `@mfa-hide`). Real server, real step-up.
 */
import { expect } from '@open-wc/testing';
import { createApp, nextTick, ref, toRaw, type App } from 'vue/dist/vue.esm-browser.js';
import '../../src/define.js'; // define before the framework renders: objects then arrive as properties
import type { MfaPrompt } from '../../src/elements/mfa-prompt/mfa-prompt.js';
import { enrollTotpFactor, signInNewUser, until } from '../helpers/session.js';
import { checkResolved, enterNextCode, nextOutcome, pressEscape, watchPageErrors, type Outcome } from './drive.js';

describe('Vue 3', () => {
  let app: App | undefined;
  let host: HTMLElement | undefined;
  afterEach(() => {
    app?.unmount();
    host?.remove();
  });

  it('binds properties and events: resolve after a real step-up, then reject on Escape', async () => {
    await signInNewUser('vue');
    const { secret } = await enrollTotpFactor();
    const errors = watchPageErrors();

    const outcomes: Outcome[] = [];
    const state = {
      resource: ref('payments'),
      action: ref('transfer'),
      open: ref(false),
      message: ref('Transfer $100 to Savings'),
    };
    host = document.createElement('div');
    document.body.append(host);
    app = createApp({
      setup: () => ({
        ...state,
        onResolve: (e: CustomEvent) => outcomes.push({ type: 'resolve', detail: e.detail }),
        onReject: (e: CustomEvent) => outcomes.push({ type: 'reject', detail: e.detail }),
      }),
      template: `
        <mfa-prompt
          :resource="resource"
          :action="action"
          :message="message"
          :open="open"
          v-on:resolve="onResolve"
          @reject="onReject"
          @mfa-hide="open = false"
        ></mfa-prompt>`,
    });
    app.config.compilerOptions.isCustomElement = (tag: string) => tag.startsWith('mfa-');
    const warnings: string[] = [];
    app.config.warnHandler = (msg) => void warnings.push(msg);
    app.mount(host);

    const el = host.querySelector('mfa-prompt') as MfaPrompt;
    expect(el, 'rendered as the custom element, not a Vue component').to.be.instanceOf(customElements.get('mfa-prompt')!);
    expect(el.resource).to.equal('payments');
    expect(toRaw(el.message)).to.equal('Transfer $100 to Savings');

    // 1. Open by binding `open`; the user enters the next code; Vue's handler receives `resolve`.
    state.open.value = true;
    await enterNextCode(el, secret);
    const first = await nextOutcome(outcomes, 0);
    expect(checkResolved(first, 'payments', 'transfer')).to.equal(null);
    await until(() => state.open.value === false, 5000, '@mfa-hide to reset the bound state');

    // 2. Another resource (the fresh step-up covers payments only): Vue patches the properties,
    //    opens it again, the user presses Escape, Vue's handler receives `reject`.
    state.resource.value = 'account';
    state.action.value = 'delete';
    state.open.value = true;
    await nextTick();
    expect(el.resource).to.equal('account');
    await pressEscape(el);
    const second = await nextOutcome(outcomes, 1);
    expect(second.type).to.equal('reject');
    expect(second.detail).to.include({ success: false, error: 'cancelled', resource: 'account', action: 'delete' });
    await until(() => state.open.value === false, 5000, 'closed');
    expect(outcomes).to.have.length(2);

    expect(warnings, 'no "failed to resolve component" warnings').to.deep.equal([]);
    errors.stop();
    expect(errors.errors).to.deep.equal([]);
  });
});
