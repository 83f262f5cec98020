/**
 * "Use another method": every way through, the current one last (so the list is also the way
 * back). Its footer offers Back (to the same challenge) and Close; after a lockout only Close,
 * and the locked method is not listed.
 */
import type { ChallengedResponse, FactorType } from '../../../core/types.js';
import { factorTypeLabel } from '../../../i18n/factor-label.js';
import type { PromptHost } from '../prompt-host.js';
import { focusLater, kit, stateOf, stepOf, stringsOf } from './kit.js';

interface MethodEntry {
  type: FactorType;
  id?: string;
  detail?: string;
}

/** One entry per factor, but several phones (or addresses) as one (the server then asks which). */
export function methods(c: ChallengedResponse, lockedOut = false): MethodEntry[] {
  const entries: MethodEntry[] = [];
  for (const f of c.factors) {
    const group = (f.type === 'phone' || f.type === 'email') && c.factors.filter((g) => g.type === f.type).length > 1;
    if (group) {
      if (!entries.some((e) => e.type === f.type)) entries.push({ type: f.type });
    } else {
      entries.push({ type: f.type, id: f.id, detail: f.type === 'recovery' ? undefined : f.label });
    }
  }
  const current = (e: MethodEntry) => e.id === c.factor.id || (!e.id && e.type === c.factor.type);
  return [...entries.filter((e) => !current(e)), ...(lockedOut ? [] : entries.filter(current))];
}

export function showMethods(h: PromptHost, back = true): void {
  const st = stateOf(h);
  st.listing = true;
  const goBack = () => {
    st.listing = false;
    h.enter('code');
    if (stepOf(h)?.type === 'code') void h.updateComplete.then(() => h.codeInput.focus());
    else focusLater(h, '.answer input, footer .primary');
  };
  h.enter('blocked', back ? goBack : null);
  h.setStatus('');
  void Promise.resolve().then(() => h.renderRoot.querySelector<HTMLButtonElement>('.methods button')?.focus());
}

export function renderMethods(h: PromptHost, c: ChallengedResponse) {
  const { html } = kit;
  const s = stringsOf(h);
  const st = stateOf(h);
  const choose = (e: MethodEntry) => {
    st.listing = false;
    void h.start(e.type, e.id);
  };
  return html`<ul class="methods" part="methods">
    ${methods(c, st.locked).map((e) => html`<li>
      <button class="method" part="button method-button" @click=${() => choose(e)}>
        <span class="method-name">${factorTypeLabel(s, e.type)}</span>
        ${e.detail && e.detail !== factorTypeLabel(s, e.type) ? html`<span class="method-detail">${e.detail}</span>` : ''}
      </button>
    </li>`)}
  </ul>`;
}
