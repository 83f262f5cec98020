/**
 * What every step renderer shares: Lit's `html` and the formatting lent by the prompt, the
 * per-prompt step state, and the strings with the lazily shipped English ones.
 *
 * No Lit import here or in any step: the host passes its `html`, so the script-tag build can load
 * the steps as a companion file without a second copy of Lit.
 */
import type { html as litHtml, TemplateResult } from 'lit';
import type { MfaError } from '../../../core/errors.js';
import type { ChallengeStep } from '../../../core/types.js';
import { enConsole } from '../../../i18n/en-console.js';
import { enSteps } from '../../../i18n/en-steps.js';
import type { format as formatFn, MfaStrings, plural as pluralFn } from '../../../i18n/localize.js';
import type { describeError as describeErrorFn } from '../../shared/describe-error.js';
import type { PromptHost } from '../prompt-host.js';

/**
 * What the host lends the steps: Lit's `html`, the prompt's formatting and its error messages.
 * Importing them here instead would make esbuild split them into extra shared chunks on the
 * size-budgeted prompt path.
 */
export interface StepKit {
  html: typeof litHtml;
  format: typeof formatFn;
  plural: typeof pluralFn;
  describeError: typeof describeErrorFn;
}

export let kit: StepKit;
export const lend = (k: StepKit) => void (kit ??= k);
export const format: typeof formatFn = (...a) => kit.format(...a);
export const plural: typeof pluralFn = (...a) => kit.plural(...a);
export const describeError: typeof describeErrorFn = (...a) => kit.describeError(...a);

/** One kind of step (a sent code, a passkey, a question…): each hook is optional. */
export interface StepRenderer {
  /** The step was just shown (start a ceremony, a countdown, move focus). */
  shown?(h: PromptHost, step: ChallengeStep): void;
  /** The answer for `verify()`, or undefined after telling the user what is missing. */
  answer?(h: PromptHost, step: ChallengeStep): string | undefined;
  /** The message for a refused answer this step can take again, or undefined for the prompt's own handling. */
  refused?(h: PromptHost, step: ChallengeStep, e: MfaError): string | undefined;
  /** The intro line above the step (undefined: the prompt's own). */
  intro?(h: PromptHost, step: ChallengeStep): string | undefined;
  /** The primary button's label (undefined: "Verify"). */
  verifyLabel?(h: PromptHost, step: ChallengeStep): string | undefined;
  /** The step's own controls, under the intro. */
  render?(h: PromptHost, step: ChallengeStep): TemplateResult | string;
}

export interface StepState {
  /** Which step (guid) this state belongs to. */
  guid?: string;
  /** When "Send a new code" becomes available (ms), or null when no more codes may be sent. */
  resendAt?: number | null;
  choice?: string;
  /** The last answer to this step was refused (marks a text answer `aria-invalid`). */
  invalid?: boolean;
  /** This method is locked: the methods list leaves it out. */
  locked?: boolean;
  /** The "use another method" list is shown. */
  listing?: boolean;
  /** The blocked footer's primary button, when not "Try again" ("Add a passkey"). */
  retryLabel?: string;
}

const states = new WeakMap<PromptHost, StepState>();
export const stateOf = (h: PromptHost): StepState => states.get(h) ?? (states.set(h, {}), states.get(h)!);
/** Starts a fresh state for a newly shown step (what a resend keeps, the caller copies). */
export const resetState = (h: PromptHost, st: StepState) => void states.set(h, st);
export const stepOf = (h: PromptHost): ChallengeStep | undefined => h.challenge?.challenges[0];
export const stringsOf = (h: PromptHost) => ({ ...enSteps, ...enConsole, ...h.strings }) as MfaStrings;

/** Focus on the first of `selector` once the next update has rendered. */
export const focusLater = (h: PromptHost, selector: string) =>
  void h.updateComplete.then(() => h.renderRoot.querySelector<HTMLElement>(selector)?.focus());

/** Only pictures that cannot run script or track the user elsewhere. */
export function safeImage(src: string | undefined): string | undefined {
  if (!src) return undefined;
  if (/^data:image\/(png|jpeg|gif|webp|avif);base64,/i.test(src)) return src;
  try {
    return new URL(src, location.href).origin === location.origin && !/^\s*javascript:/i.test(src) ? src : undefined;
  } catch {
    return undefined;
  }
}
