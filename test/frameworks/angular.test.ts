/**
 * Angular 21: a standalone component with `CUSTOM_ELEMENTS_SCHEMA`, property bindings
 * (`[resource]`, `[open]`), event bindings (`(resolve)`, `(reject)`, `(mfa-hide)`), a template
 * reference through `@ViewChild`, zoneless change detection, compiled JIT in the browser.
 * Real server, real step-up.
 */
import '@angular/compiler'; // JIT: must come before any Angular decorator runs
import { Component, CUSTOM_ELEMENTS_SCHEMA, ElementRef, provideZonelessChangeDetection, signal, ViewChild, type ApplicationRef } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { expect } from '@open-wc/testing';
import '../../src/define.js'; // define before the framework renders
import type { IdpAuthResponse } from '../../src/core/types.js';
import type { MfaPrompt } from '../../src/elements/mfa-prompt/mfa-prompt.js';
import { enrollTotpFactor, signInNewUser, until } from '../helpers/session.js';
import { checkResolved, enterNextCode, nextOutcome, pressEscape, watchPageErrors, type Outcome } from './drive.js';

@Component({
  selector: 'mfa-test-host',
  standalone: true,
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <mfa-prompt
      #prompt
      [resource]="resource()"
      [action]="action()"
      [open]="open()"
      (resolve)="onOutcome('resolve', $event)"
      (reject)="onOutcome('reject', $event)"
      (mfa-hide)="open.set(false)"
    ></mfa-prompt>
  `,
})
class TestHost {
  readonly resource = signal('payments');
  readonly action = signal('transfer');
  readonly open = signal(false);
  readonly outcomes: Outcome[] = [];
  // A decorator query: signal queries (`viewChild()`) need the AOT compiler, which JIT lacks.
  @ViewChild('prompt', { static: true }) prompt!: ElementRef<MfaPrompt>;

  onOutcome(type: Outcome['type'], event: Event): void {
    this.outcomes.push({ type, detail: (event as CustomEvent<IdpAuthResponse>).detail });
  }
}

describe('Angular 21', () => {
  let appRef: ApplicationRef | undefined;
  let hostElement: HTMLElement | undefined;
  afterEach(() => {
    appRef?.destroy();
    hostElement?.remove();
  });

  it('binds properties and (resolve)/(reject): resolve after a real step-up, then reject on Escape', async () => {
    await signInNewUser('angular');
    const { secret } = await enrollTotpFactor();
    const errors = watchPageErrors();

    hostElement = document.createElement('mfa-test-host');
    document.body.append(hostElement);
    appRef = await bootstrapApplication(TestHost, { providers: [provideZonelessChangeDetection()] });
    const host = appRef.components[0].instance as TestHost;
    await appRef.whenStable();

    const el = hostElement.querySelector('mfa-prompt') as MfaPrompt;
    expect(el).to.be.instanceOf(customElements.get('mfa-prompt')!);
    expect(host.prompt.nativeElement).to.equal(el);
    expect(el.resource, '[resource] sets the property').to.equal('payments');

    // 1. Open through the `[open]` binding; `(resolve)` receives the IdpAuthResponse.
    host.open.set(true);
    await enterNextCode(el, secret);
    const first = await nextOutcome(host.outcomes, 0);
    expect(checkResolved(first, 'payments', 'transfer')).to.equal(null);
    await until(() => host.open() === false, 5000, '(mfa-hide) to reset the signal');

    // 2. Another resource, opened through the template reference (`show()`), cancelled with Escape.
    host.resource.set('account');
    host.action.set('delete');
    await appRef.whenStable();
    expect(el.resource).to.equal('account');
    host.prompt.nativeElement.show();
    await pressEscape(el);
    const second = await nextOutcome(host.outcomes, 1);
    expect(second.type).to.equal('reject');
    expect(second.detail).to.include({ success: false, error: 'cancelled', resource: 'account', action: 'delete' });
    expect(host.outcomes).to.have.length(2);

    errors.stop();
    expect(errors.errors).to.deep.equal([]);
  });
});
