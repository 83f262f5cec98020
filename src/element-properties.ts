/**
 * Types shared by the framework type entries (`mfa-elements/react`, `mfa-elements/vue`): what a
 * framework may set on an element, derived from the element classes so they cannot drift apart.
 * Types only; it imports no framework.
 */
import type { LitElement } from 'lit';
import type { MfaEventMap } from './elements/shared/events.js';

/** An element's own public properties (not those of HTMLElement / LitElement, not methods), all optional. */
export type ElementProperties<T> = {
  [K in keyof T as K extends keyof LitElement ? never : T[K] extends (...args: never[]) => unknown ? never : K]?: T[K];
};

/** The attributes whose names differ from their properties (frameworks may use either spelling). */
export interface MfaPromptAttributes {
  'api-base'?: string;
  'max-age'?: number | string;
  'enroll-if-missing'?: boolean;
}
export interface MfaEnrollAttributes {
  'api-base'?: string;
}
export interface MfaProviderAttributes {
  'api-base'?: string;
}
export interface MfaAuthenticatorsAttributes {
  'api-base'?: string;
}

/** Events of `<mfa-prompt>` and `<mfa-enroll>` (docs/elements.md), by name. */
export type { MfaEventMap };
