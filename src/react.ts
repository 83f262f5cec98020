/**
 * JSX types for React 19 — types only (this module is empty at runtime). Add once, e.g. in a
 * `.d.ts` or your entry file:
 *
 * ```ts
 * import type {} from 'mfa-elements/react';
 * ```
 *
 * React 19 sets a custom element's props as properties when the element has them (define the
 * elements before rendering: `import 'mfa-elements/define.js'`) and adds listeners for `on` +
 * the exact event name, so events are spelled `onresolve`, `onreject`, `onmfa-error`…
 * (`onResolve` would never fire). Needs `@types/react` 19; users of other frameworks never load it.
 */
import type { ClassAttributes, HTMLAttributes } from 'react';
import type { ElementProperties, MfaAuthenticatorsAttributes, MfaEnrollAttributes, MfaEventMap, MfaPromptAttributes, MfaProviderAttributes } from './element-properties.js';
import type { MfaAuthenticators } from './elements/mfa-authenticators/mfa-authenticators.js';
import type { MfaEnroll } from './elements/mfa-enroll/mfa-enroll.js';
import type { MfaPrompt } from './elements/mfa-prompt/mfa-prompt.js';
import type { MfaProvider } from './elements/mfa-provider/mfa-provider.js';

/** `onresolve`, `onreject`, `onmfa-show`…: handlers for the elements' events, typed by event. */
export type MfaReactEventProps = {
  [K in keyof MfaEventMap as `on${K}`]?: (event: MfaEventMap[K]) => void;
};

/**
 * React's own HTML attributes (without RDFa `resource`, which is ours: a string here too but a
 * different meaning) plus the element's properties and attributes.
 */
export type MfaReactProps<T extends HTMLElement, Attributes = object> = Omit<HTMLAttributes<T>, 'resource' | keyof ElementProperties<T>> &
  ClassAttributes<T> &
  ElementProperties<T> &
  Attributes;

export type MfaPromptReactProps = MfaReactProps<MfaPrompt, MfaPromptAttributes & MfaReactEventProps>;
export type MfaEnrollReactProps = MfaReactProps<MfaEnroll, MfaEnrollAttributes & MfaReactEventProps>;
export type MfaProviderReactProps = MfaReactProps<MfaProvider, MfaProviderAttributes>;
export type MfaAuthenticatorsReactProps = MfaReactProps<MfaAuthenticators, MfaAuthenticatorsAttributes & MfaReactEventProps>;

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'mfa-prompt': MfaPromptReactProps;
      'mfa-enroll': MfaEnrollReactProps;
      'mfa-provider': MfaProviderReactProps;
      'mfa-authenticators': MfaAuthenticatorsReactProps;
    }
  }
}
