/**
 * Vue 3 template types — types only (this module is empty at runtime). Add once, e.g. in
 * `env.d.ts`:
 *
 * ```ts
 * import type {} from 'mfa-elements/vue';
 * ```
 *
 * Registers the elements in Vue's `GlobalComponents` (under their tag names, as Vue's guide on
 * Web Components recommends), so vue-tsc / Volar check `<mfa-prompt :resource="…" @resolve="…">`
 * in templates. At runtime tell Vue they are custom elements:
 * `compilerOptions.isCustomElement = (tag) => tag.startsWith('mfa-')`. Needs `vue` 3.3+; users of
 * other frameworks never load it.
 */
import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type { ElementProperties, MfaAuthenticatorsAttributes, MfaEnrollAttributes, MfaEventMap, MfaPromptAttributes, MfaProviderAttributes } from './element-properties.js';
import type { MfaAuthenticators } from './elements/mfa-authenticators/mfa-authenticators.js';
import type { MfaEnroll } from './elements/mfa-enroll/mfa-enroll.js';
import type { MfaPrompt } from './elements/mfa-prompt/mfa-prompt.js';
import type { MfaProvider } from './elements/mfa-provider/mfa-provider.js';

/** `@resolve`, `@reject`, `@mfa-error`…, typed by event. */
export type MfaVueEmits = EmitFn<{ [K in keyof MfaEventMap]: (event: MfaEventMap[K]) => void }>;

/**
 * A non-Vue custom element as Vue's type system sees a component: the element instance (for
 * template refs) plus `$props` / `$emit`, which exist for template type-checking only.
 */
export type MfaVueElement<T extends HTMLElement, Attributes = object, Emits = object> = new () => T & {
  /** @deprecated For template type-checking only; set properties on the element itself. */
  $props: HTMLAttributes & ElementProperties<T> & Attributes & PublicProps;
  /** @deprecated For template type-checking only. */
  $emit: Emits;
};

declare module 'vue' {
  interface GlobalComponents {
    'mfa-prompt': MfaVueElement<MfaPrompt, MfaPromptAttributes, MfaVueEmits>;
    'mfa-enroll': MfaVueElement<MfaEnroll, MfaEnrollAttributes, MfaVueEmits>;
    'mfa-provider': MfaVueElement<MfaProvider, MfaProviderAttributes>;
    'mfa-authenticators': MfaVueElement<MfaAuthenticators, MfaAuthenticatorsAttributes, MfaVueEmits>;
  }
}
