/**
 * Showing recovery codes once (enrollment and regeneration): a list a screen reader reads code
 * by code, plus copy and download. The codes never leave this module except to the user.
 */
import { css, html } from 'lit';

export const recoveryCodesList = (codes: string[], label: string) => html`
  <ul class="codes" part="recovery-codes" aria-label=${label} tabindex="-1">
    ${codes.map((code) => html`<li>${code}</li>`)}
  </ul>
`;

export async function copyText(text: string): Promise<void> {
  await navigator.clipboard?.writeText(text).catch(() => {});
}

/**
 * Saves `recovery-codes-<site>.txt` through a temporary object URL (no network, no storage). The
 * file says which site (and account, when known) and when, so it is found again among others.
 */
export function downloadRecoveryCodes(codes: string[], header: string, account?: string): void {
  const about = [location.host, account, new Date().toISOString().slice(0, 10)].filter(Boolean).join(' · ');
  const url = URL.createObjectURL(new Blob([`${header}\n${about}\n\n${codes.join('\n')}\n`], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `recovery-codes-${location.hostname}.txt`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const recoveryCodesStyles = css`
  .codes {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr));
    gap: 0.25rem 1rem;
    margin: 0;
    padding: 0.75rem;
    list-style: none;
    border: 1px dashed var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    font: 600 1rem/1.5 ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    overflow-wrap: anywhere;
  }
`;
