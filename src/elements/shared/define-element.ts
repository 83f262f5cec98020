/** Defines a custom element once (a second bundle or a framework HMR reload must not throw). */
export function defineElement(tag: string, ctor: CustomElementConstructor): void {
  if (typeof customElements !== 'undefined' && !customElements.get(tag)) customElements.define(tag, ctor);
}
