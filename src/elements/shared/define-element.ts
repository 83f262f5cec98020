/**
 * Defines a custom element once (a second bundle or a framework HMR reload must not throw). When
 * another copy of the package (the script loaded twice, two versions bundled) got there first, that
 * copy's element is used, and the developer hears about it once per tag.
 */
export function defineElement(tag: string, ctor: CustomElementConstructor): void {
  if (typeof customElements === 'undefined') return;
  const existing = customElements.get(tag) as (CustomElementConstructor & { w?: 1 }) | undefined;
  if (!existing) customElements.define(tag, ctor);
  else if (existing !== ctor && !existing.w) {
    existing.w = 1;
    console.warn(`[mfa-elements] <${tag}> is defined by another copy of mfa-elements (loaded twice?); using that one.`);
  }
}
