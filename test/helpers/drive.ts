/** Driving the elements as a keyboard user would, shared by the browser suites. */
import { sendKeys } from '@web/test-runner-commands';
import { totpCode } from './totp-webcrypto.js';
import { until } from './session.js';

export const shadow = (el: Element) => el.shadowRoot!;
export const statusOf = (el: Element) => shadow(el).querySelector('[part~="status"]')!.textContent!.trim();
export const inputOf = (el: Element) => el.querySelector('input')!;

/** Lets the opening animation finish, as a user's eyes would, before checking colors. */
export async function settled(el: Element): Promise<void> {
  const dialog = shadow(el).querySelector('dialog');
  if (dialog) await Promise.all(dialog.getAnimations().map((a) => a.finished));
}

/** Opens `el` and waits until its code input has focus and the dialog has settled. */
export async function openAndFocus<T extends HTMLElement & { show(): void }>(el: T, what = 'code input focused'): Promise<T> {
  el.show();
  await until(() => document.activeElement === inputOf(el), 5000, what);
  await settled(el);
  return el;
}

export async function typeCode(code: string): Promise<void> {
  await sendKeys({ type: code });
  await sendKeys({ press: 'Enter' });
}

/** A well-formed code that matches no step of the ±1 window now. */
export async function wrongCodeFor(secret: string): Promise<string> {
  const valid = new Set(await Promise.all([-1, 0, 1].map((o) => totpCode(secret, o))));
  let wrong = '000000';
  while (valid.has(wrong)) wrong = String(Number(wrong) + 1).padStart(6, '0');
  return wrong;
}

/** The element that really has focus, through shadow roots. */
export function deepActive(): Element | null {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a;
}

/** The promise API's prompt, once it shows and its code input has focus. */
export const visiblePrompt = () => until(() => {
  const el = document.querySelector('mfa-prompt');
  const input = el?.querySelector('input');
  return input && document.activeElement === input ? el : null;
}, 5000, 'prompt with focused input');

/** Every detail of every event the elements fire, as any script on the page would hear it. */
export function watchEvents() {
  const seen: { type: string; detail: string }[] = [];
  const types = ['resolve', 'reject', 'mfa-show', 'mfa-hide', 'mfa-request-close', 'mfa-error', 'mfa-factor-change'];
  const record = (e: Event) => seen.push({ type: e.type, detail: JSON.stringify((e as CustomEvent).detail ?? null) });
  for (const t of types) window.addEventListener(t, record, true);
  return {
    seen,
    stop: () => types.forEach((t) => window.removeEventListener(t, record, true)),
    shown: () => seen.filter((e) => e.type === 'mfa-show').length,
  };
}
