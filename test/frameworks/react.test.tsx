/** @jsxRuntime automatic */
/** @jsxImportSource react */
/**
 * React 19: `<mfa-prompt>` in JSX with native custom-element props (React 19 sets them as
 * properties because the element is defined before rendering) and `onresolve` / `onreject`
 * (React 19 listens for `on` + the exact event name). Real server, real step-up.
 */
import { expect } from '@open-wc/testing';
import { useState, type RefObject } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import '../../src/define.js'; // define before rendering: React then sets properties, not attributes
import type {} from '../../src/react.js'; // JSX types of the elements
import type { MfaOutcome } from '../../src/core/types.js';
import type { MfaPrompt } from '../../src/elements/mfa-prompt/mfa-prompt.js';
import { enrollTotpFactor, signInNewUser, until } from '../helpers/session.js';
import { checkResolved, enterNextCode, nextOutcome, pressEscape, watchPageErrors, type Outcome } from './drive.js';

interface Controls {
  setScope(resource: string, action: string): void;
  setOpen(open: boolean): void;
  open: boolean;
}

function StepUp({ outcomes, promptRef, controls }: { outcomes: Outcome[]; promptRef: RefObject<MfaPrompt | null>; controls: Partial<Controls> }) {
  const [scope, setScope] = useState({ resource: 'payments', action: 'transfer' });
  const [open, setOpen] = useState(false);
  Object.assign(controls, { setScope: (resource: string, action: string) => setScope({ resource, action }), setOpen, open });
  return (
    <mfa-prompt
      ref={promptRef}
      resource={scope.resource}
      action={scope.action}
      open={open}
      message="Transfer $100 to Savings"
      onresolve={(e: CustomEvent<MfaOutcome>) => outcomes.push({ type: 'resolve', detail: e.detail })}
      onreject={(e: CustomEvent<MfaOutcome>) => outcomes.push({ type: 'reject', detail: e.detail })}
      onmfa-hide={() => setOpen(false)}
    />
  );
}

describe('React 19', () => {
  let root: Root | undefined;
  let container: HTMLElement | undefined;
  afterEach(() => {
    root?.unmount();
    container?.remove();
  });

  it('sets native props and hears onresolve / onreject: resolve after a real step-up, then reject on Escape', async () => {
    await signInNewUser('react');
    const { secret } = await enrollTotpFactor();
    const errors = watchPageErrors();

    const outcomes: Outcome[] = [];
    const promptRef: RefObject<MfaPrompt | null> = { current: null };
    const controls: Partial<Controls> = {};
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
    flushSync(() => root!.render(<StepUp outcomes={outcomes} promptRef={promptRef} controls={controls} />));

    const el = container.querySelector('mfa-prompt') as MfaPrompt;
    expect(promptRef.current).to.equal(el);
    expect(el.resource, 'a property, not only an attribute').to.equal('payments');
    expect(el.message).to.equal('Transfer $100 to Savings');

    // 1. Open through the `open` prop; `onresolve` receives the outcome.
    flushSync(() => controls.setOpen!(true));
    expect(el.open).to.equal(true);
    await enterNextCode(el, secret);
    const first = await nextOutcome(outcomes, 0);
    expect(checkResolved(first, 'payments', 'transfer')).to.equal(null);
    await until(() => controls.open === false, 5000, 'onmfa-hide to reset the state');

    // 2. Another resource, opened through the ref (`show()`), cancelled with Escape.
    flushSync(() => controls.setScope!('account', 'delete'));
    expect(el.resource).to.equal('account');
    promptRef.current!.show();
    await pressEscape(el);
    const second = await nextOutcome(outcomes, 1);
    expect(second.type).to.equal('reject');
    expect(second.detail).to.include({ success: false, error: 'cancelled', resource: 'account', action: 'delete' });
    expect(outcomes).to.have.length(2);

    errors.stop();
    expect(errors.errors).to.deep.equal([]);
  });
});
