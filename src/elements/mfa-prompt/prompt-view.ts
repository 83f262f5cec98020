/**
 * What `<mfa-prompt>` renders under its title: the intro, the code field (slotted light-DOM input),
 * the lazily loaded step's own controls, the live status and the buttons. Pure templates over the
 * prompt's state, read through `PromptView`; every change of state stays in the element.
 */
import { html, nothing } from 'lit';
import type { PromptHost } from './prompt-host.js';

export interface PromptView extends PromptHost {
  readonly message?: string;
  readonly details?: Record<string, string>;
  /** prompt-details.ts, once loaded. */
  readonly d?: typeof import('./prompt-details.js');
  /** prompt-steps.ts, once loaded. */
  readonly steps?: typeof import('./prompt-steps.js');
  readonly usingRecovery: boolean;
  readonly status: string;
  readonly statusUrgent: boolean;
  readonly statusInfo: boolean;
  readonly retry: (() => void) | null;
  switchFactor(): void;
  closeAll(): void;
  requestClose(): void;
}

export function renderBody(p: PromptView) {
  const s = p.strings;
  const { phase, challenge: c } = p;
  if (phase === 'enroll') return p.steps!.renderEnroll(p);
  const canSwitch = c && c.factors.length > 1 && phase !== 'loading';
  return html`
    ${p.message ? html`<p class="message" part="message">${p.message}</p>` : nothing}
    ${p.d?.renderDetails(html, s, p.details)}
    <p id="intro" class="muted">
      ${phase === 'loading' ? s.loading : p.steps?.introOf(p) ?? (phase === 'blocked' ? '' : p.usingRecovery ? s.recoveryIntro : s.promptIntro)}
    </p>
    <div class="field" ?hidden=${phase === 'loading' || phase === 'blocked' || (c && c.challenges[0].type != 'code')}>
      <span class="label" aria-hidden="true">${p.usingRecovery ? s.recoveryCodeLabel : s.codeLabel}</span>
      <slot name="code"></slot>
    </div>
    ${p.steps?.renderStep(p)}
    <p
      class="status"
      part="status"
      role=${p.statusUrgent ? 'alert' : 'status'}
      aria-live=${p.statusUrgent ? 'assertive' : 'polite'}
      data-kind=${p.statusInfo ? 'info' : 'error'}
    >${p.status}</p>
    ${canSwitch && phase !== 'blocked'
      ? html`<button class="link" part="button switch-button" @click=${p.switchFactor}>
          ${s.useAnotherMethod}
        </button>`
      : nothing}
  `;
}

export function renderFooter(p: PromptView) {
  const s = p.strings;
  if (p.phase === 'enroll') return nothing; // the embedded enrollment has its own buttons
  if (p.phase === 'blocked') {
    return html`
      <button part="button" @click=${p.closeAll}>${s.close}</button>
      ${p.retry ? html`<button class="primary" part="button" @click=${p.retry}>${p.steps?.retryLabel(p) ?? s.tryAgain}</button>` : nothing}
    `;
  }
  // Verify is never disabled (a disabled button drops focus to <body>): verify() does nothing
  // while loading or checking (the button then says "Checking…", or the intro "Loading…").
  return html`
    <button part="button cancel-button" @click=${p.requestClose}>${s.cancel}</button>
    <button class="primary" part="button verify-button" @click=${() => p.verify()}>
      ${p.phase === 'verifying' ? s.verifying : p.steps?.verifyLabel(p) ?? s.verify}
    </button>
  `;
}
