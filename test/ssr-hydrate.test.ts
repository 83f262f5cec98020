// Server-rendered elements hydrate (docs/frameworks.md "Server rendering"): what @lit-labs/ssr renders
// from the built package (GET /__ssr, test/helpers/ssr-render.mjs) is put into the page as a Lit
// SSR host sends it, then the built package's elements are defined with Lit's hydration support
// loaded first, as such a host does. Hydration must take over the server's shadow DOM (same shadow root, same
// <dialog> node: nothing re-rendered), report no mismatch, and leave elements that work: the
// prompt steps up with a real code against the real server.
//
// The hydration support must run before Lit itself: this import comes first.
import '@lit-labs/ssr-client/lit-element-hydrate-support.js';
import { expect } from '@open-wc/testing';
import type { MfaAuthenticators } from '../src/elements/mfa-authenticators/mfa-authenticators.js';
import type { MfaEnroll } from '../src/elements/mfa-enroll/mfa-enroll.js';
import type { MfaPrompt } from '../src/elements/mfa-prompt/mfa-prompt.js';
import type { IdpAuthResponse } from '../src/core/types.js';
import { inputOf, shadow, typeCode } from './helpers/drive.js';
import { enrollTotpFactor, nextEvent, signInNewUser, until } from './helpers/session.js';
import { totpCode } from './helpers/totp-webcrypto.js';

const TAGS = ['mfa-prompt', 'mfa-enroll', 'mfa-authenticators'] as const;

describe('server-rendered elements hydrate', () => {
  it('take over the server shadow DOM without a mismatch, then step up for real', async () => {
    const errors: string[] = [];
    const onError = (e: ErrorEvent) => errors.push(e.message);
    window.addEventListener('error', onError);
    const consoleError = console.error;
    console.error = (...args: unknown[]) => (errors.push(args.map(String).join(' ')), consoleError(...args));
    try {
      const rendered = (await (await fetch('/__ssr')).json()) as Record<(typeof TAGS)[number], string>;
      const host = document.createElement('div');
      document.body.append(host);
      // As the HTML parser sees a server's page: declarative shadow roots attach on parse.
      host.setHTMLUnsafe(TAGS.map((t) => rendered[t]).join(''));
      const before = TAGS.map((t) => {
        const el = host.querySelector(t)!;
        expect(el.shadowRoot, `${t}: the server's declarative shadow root is attached`).to.exist;
        return { el, root: el.shadowRoot!, dialog: el.shadowRoot!.querySelector('dialog')! };
      });
      for (const { dialog } of before) expect(dialog).to.exist;

      // The same built package on both sides, as a host ships it (the build trims template
      // whitespace, so the server's markup matches dist/'s templates, not src/'s).
      await import('../dist/define.js');
      for (const [i, t] of TAGS.entries()) {
        const { el, root, dialog } = before[i];
        expect(customElements.get(t), `${t} defined`).to.exist;
        await (el as MfaPrompt).updateComplete;
        expect(el.shadowRoot, `${t}: hydration keeps the server's shadow root`).to.equal(root);
        expect(root.querySelector('dialog'), `${t}: the server's <dialog> node is kept, not re-rendered`).to.equal(dialog);
        expect(dialog.open, `${t}: still closed`).to.equal(false);
      }
      expect(errors, 'no hydration mismatch or other error').to.deep.equal([]);

      // Hydrated elements work: the prompt steps up with a real code.
      await signInNewUser('ssr');
      const { secret } = await enrollTotpFactor();
      const prompt = before[0].el as MfaPrompt;
      const done = nextEvent<IdpAuthResponse>(prompt, 'resolve');
      prompt.force = true;
      prompt.show();
      await until(() => document.activeElement === inputOf(prompt), 5000, 'hydrated prompt: code input focused');
      expect(shadow(prompt).querySelector('dialog')!.open).to.equal(true);
      await typeCode(await totpCode(secret, 1));
      const outcome = (await done).detail;
      expect(outcome.success, 'verified').to.equal(true);

      // The console lists the factor it just used; enrollment opens on its first screen.
      const console_ = before[2].el as MfaAuthenticators;
      console_.show();
      await until(() => shadow(console_).textContent!.includes('Authenticator app'), 5000, 'console lists the app factor');
      console_.hide();
      const enroll = before[1].el as MfaEnroll;
      enroll.show();
      await until(() => shadow(enroll).querySelector('dialog')!.open, 5000, 'enroll dialog open');
      enroll.hide();
      expect(errors, 'no error while using them').to.deep.equal([]);
    } finally {
      console.error = consoleError;
      window.removeEventListener('error', onError);
    }
  });
});
