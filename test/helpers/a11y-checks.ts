/** Accessibility checks shared by the browser tests. */
import { expect } from '@open-wc/testing';
import { shadow } from './drive.js';

/**
 * Every control shown in this state — buttons, links and inputs in `el`'s shadow DOM, and inputs
 * slotted as its direct light-DOM children — has a non-empty accessible name (`aria-label`, else
 * the text of its `<label>`s, else its own text) and a target of at least 24 × 24 px (WCAG 2.2
 * 2.5.8, Target Size (Minimum)), so everything can be found by a screen reader and hit by a finger.
 * A radio wrapped in its `<label>` is measured by that label: a click anywhere on it selects it.
 */
export function checkNamesAndTargets(el: Element): void {
  const controls = [...shadow(el).querySelectorAll<HTMLElement>('button, a[href], input'), ...el.querySelectorAll<HTMLElement>(':scope > input')];
  for (const c of controls) {
    if (!c.getClientRects().length) continue; // not shown in this state
    const labels = c instanceof HTMLInputElement ? [...(c.labels ?? [])] : [];
    const name = (c.getAttribute('aria-label') ?? (labels.map((l) => l.textContent).join(' ') || c.textContent) ?? '').trim();
    expect(name, `${c.outerHTML.slice(0, 80)} has a name`).to.not.equal('');
    const target = c instanceof HTMLInputElement && c.type === 'radio' && labels[0]?.contains(c) ? labels[0] : c;
    const box = target.getBoundingClientRect();
    expect(Math.round(box.height), `${name} height`).to.be.at.least(24);
    expect(Math.round(box.width), `${name} width`).to.be.at.least(24);
  }
}
