/**
 * Drives an `<mfa-prompt>` the way a user does (keyboard only), whatever framework rendered it.
 * Works for elements in this document and in a same-origin iframe (the plain-HTML page).
 */
import { sendKeys } from '@web/test-runner-commands';
import type { IdpAuthResponse, MfaOutcome } from '../../src/core/types.js';
import { until } from '../helpers/session.js';
import { totpCode } from '../helpers/totp-webcrypto.js';

export type Outcome = { type: 'resolve' | 'reject'; detail: MfaOutcome };

/** Waits until the prompt's own light-DOM code input has the focus (the dialog is up and ready). */
export async function codeInputFocused(el: Element, ms = 8000): Promise<HTMLInputElement> {
  return until(() => {
    const input = el.querySelector('input');
    return input && el.ownerDocument.activeElement === input ? input : null;
  }, ms, `code input of <${el.localName} resource="${el.getAttribute('resource')}"> focused`).catch((err: Error) => {
    // Say what the element was doing instead, so a failure can be understood from the log.
    const p = el as Element & { open?: boolean; resource?: string; isUpdatePending?: boolean };
    const status = el.shadowRoot?.querySelector('[part~="status"]')?.textContent?.trim();
    const active = el.ownerDocument.activeElement;
    throw new Error(`${err.message}: open=${p.open} resource=${p.resource} updatePending=${p.isUpdatePending} ` +
      `dialog=${el.shadowRoot?.querySelector('dialog')?.open} input=${!!el.querySelector('input')} status="${status}" ` +
      `active=<${active?.localName}${active?.id ? `#${active.id}` : ''}> shadowActive=<${el.shadowRoot?.activeElement?.localName}>`);
  });
}

/** Types the authenticator app's next code (step +1: the enrollment used the current one) and submits. */
export async function enterNextCode(el: Element, secret: string): Promise<void> {
  await codeInputFocused(el);
  await sendKeys({ type: await totpCode(secret, 1) });
  await sendKeys({ press: 'Enter' });
}

/** Cancels the open prompt the way a user does: Escape. */
export async function pressEscape(el: Element): Promise<void> {
  await codeInputFocused(el);
  await sendKeys({ press: 'Escape' });
}

/** Waits for the next outcome recorded by a framework binding (the array the handlers push to). */
export function nextOutcome(outcomes: Outcome[], after: number, ms = 10_000): Promise<Outcome> {
  return until(() => outcomes[after], ms, `outcome #${after + 1} through the framework binding`);
}

/** A successful step-up as docs/elements.md defines it, and nothing secret in it. */
export function checkResolved(outcome: Outcome, resource: string, action: string): string | null {
  const d = outcome.detail;
  if (outcome.type !== 'resolve') return `expected resolve, got ${outcome.type} ${JSON.stringify(d)}`;
  if (d.success !== true) return 'success is not true';
  if (typeof d.sid !== 'string' || !d.sid) return 'no sid';
  if (d.resource !== resource || d.action !== action) return `scope is ${d.resource}/${d.action}`;
  if (Math.abs(d.timestamp - Date.now()) > 30_000) return 'timestamp is not now';
  const extra = Object.keys(d).filter((k) => !['success', 'sid', 'timestamp', 'resource', 'action'].includes(k));
  return extra.length ? `unexpected fields ${extra.join(', ')}` : null;
}

/** Collects uncaught errors and unhandled rejections while a test runs. */
export function watchPageErrors(win: Window = window): { errors: string[]; stop: () => void } {
  const errors: string[] = [];
  const onError = (e: ErrorEvent) => errors.push(`error: ${e.message}`);
  const onRejection = (e: PromiseRejectionEvent) => errors.push(`unhandled rejection: ${String(e.reason?.stack ?? e.reason)}`);
  win.addEventListener('error', onError);
  win.addEventListener('unhandledrejection', onRejection);
  return {
    errors,
    stop: () => {
      win.removeEventListener('error', onError);
      win.removeEventListener('unhandledrejection', onRejection);
    },
  };
}

/** Records console.warn calls (the product's clear warnings) while a test runs. */
export function captureWarnings(win: Window & typeof globalThis = window): { warnings: string[]; restore: () => void } {
  const warnings: string[] = [];
  const original = win.console.warn;
  win.console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    original.apply(win.console, args);
  };
  return { warnings, restore: () => (win.console.warn = original) };
}
