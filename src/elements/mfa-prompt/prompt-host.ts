/**
 * The narrow API `<mfa-prompt>` lends its step renderers (steps/*.ts): what they read of the
 * current state and the actions they may take. They never write the prompt's fields; the prompt
 * implements this interface, so the compiler checks the contract on both sides.
 */
import type { MfaClient } from '../../client/mfa-client.js';
import type { ChallengeResponse, ChallengedResponse, FactorType, IdpAuthResponse, IdpErrorReason } from '../../core/types.js';
import type { MfaStrings } from '../../i18n/localize.js';
import type { CodeInput } from '../shared/code-input.js';

/** loading: a request is out · code: the step takes an answer · verifying: one is being checked · blocked: a message with Close (and maybe a way on) · enroll: the embedded `<mfa-enroll>`. */
export type PromptPhase = 'loading' | 'code' | 'verifying' | 'blocked' | 'enroll';

export interface PromptHost extends HTMLElement {
  // ---- the current state (read only) ----
  readonly challenge?: ChallengedResponse;
  readonly phase: PromptPhase;
  readonly open: boolean;
  /** The preferred factor type the app asked for. */
  readonly factor?: FactorType;
  /** A user without any factor sets one up in the prompt. */
  readonly enrollIfMissing: boolean;
  /** The level asked for: `phr` takes passkeys only. */
  readonly acr?: 'mfa' | 'phr';
  readonly api: MfaClient;
  readonly strings: MfaStrings;
  readonly resolvedLocale: string;
  readonly codeInput: CodeInput;
  readonly renderRoot: HTMLElement | DocumentFragment;
  readonly shadowRoot: ShadowRoot | null;
  readonly updateComplete: Promise<boolean>;

  // ---- actions ----
  /** Moves to `phase`; in `blocked`, `retry` is the footer's primary action (none: only Close). */
  enter(phase: PromptPhase, retry?: (() => void) | null): void;
  /** A state the user cannot type through: `message`, a way on if any, `reason` reported on close. */
  block(reason: IdpErrorReason | undefined, message: string, retry: (() => void) | null, urgent?: boolean): void;
  /** The `reject` reason should the dialog close now (undefined: it already resolved). */
  report(reason: IdpErrorReason | undefined): void;
  /** Says `text` in the live region (`urgent`: assertively; `info`: progress, not an error). */
  setStatus(text: string, urgent?: boolean, info?: boolean): void;
  /** Starts a challenge again, for another factor type or factor (switching method). */
  start(factorType?: FactorType, factorId?: string): Promise<void>;
  /** Submits the step's answer (the code field's when none is given). */
  verify(value?: string): Promise<void>;
  /** `request`'s outcome, unless a newer request or closing superseded it meanwhile: then it never settles. */
  fresh<T>(request: Promise<T>): Promise<T>;
  handleAnswer(answer: ChallengeResponse): void;
  handleError(err: unknown, retry: () => void): void;
  finish(outcome: IdpAuthResponse): void;
  present(): void;
  hide(): void;
  outcomeScope(): { resource?: string; action?: string };
  requestUpdate(): void;
}
