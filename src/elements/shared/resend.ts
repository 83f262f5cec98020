/**
 * "Send a new code" with its countdown, shared by the prompt's sent-code step and enrollment of
 * a phone or email. The button stays focusable while counting down (`aria-disabled`, not
 * `disabled`), so a screen reader finds it and hears how long to wait; the text changes once a
 * second, without a live region (that would talk over the user every second).
 */
import type { html as litHtml, TemplateResult } from 'lit';

/** 75 → `1:15`. */
export const clock = (seconds: number): string => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/** Seconds until `at` (ms), never negative. */
export const secondsUntil = (at: number): number => Math.max(0, Math.ceil((at - Date.now()) / 1000));

/** Re-renders `host` about once a second until `at` (the last time at `at` itself), while `current()` holds. */
export function tickUntil(host: { requestUpdate(): void }, at: number, current: () => boolean): void {
  if (!current()) return;
  host.requestUpdate();
  if (at > Date.now()) setTimeout(() => tickUntil(host, at, current), ((at - Date.now()) % 1000) || 1000);
}

export function resendButton(
  html: typeof litHtml, s: { resend: string; resendIn: string }, at: number | null | undefined, onClick: () => void,
): TemplateResult | string {
  if (at === null || at === undefined) return '';
  const left = secondsUntil(at);
  return html`<button class="link resend" part="button resend-button" aria-disabled=${left > 0 ? 'true' : 'false'}
    @click=${() => left === 0 && onClick()}>${left > 0 ? s.resendIn.replace('{time}', clock(left)) : s.resend}</button>`;
}
