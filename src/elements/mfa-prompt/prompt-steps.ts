/**
 * The prompt's steps beyond a typed code, loaded on first use (shared/lazy.ts): a registry of
 * step renderers keyed by the kind of step (steps/*.ts), plus the states around them — the
 * "use another method" list, a lockout, enroll-if-missing. One renderer per challenge shape of
 * docs/server.md "HTTP protocol", so an MX-style flow (question → options → code) is just
 * successive steps, and a factor whose step is a `code` needs no renderer at all.
 *
 * Everything here talks to `<mfa-prompt>` through its narrow `PromptHost` API (prompt-host.ts).
 */
import type { MfaError } from '../../core/errors.js';
import type { ChallengeStep } from '../../core/types.js';
import { adoptStepsCss } from '../shared/steps-css.js';
import type { PromptHost } from './prompt-host.js';
import { justEnrolled, notEnrolled } from './steps/enroll.js';
import { describeError, lend, resetState, stateOf, stepOf, stringsOf, type StepKit, type StepRenderer } from './steps/kit.js';
import { lockedOut } from './steps/lockout.js';
import { renderMethods } from './steps/methods.js';
import { passkey } from './steps/passkey.js';
import { choiceQuestion, textQuestion } from './steps/question.js';
import { sentCode } from './steps/sent-code.js';

export type { StepKit } from './steps/kit.js';
export { renderEnroll } from './steps/enroll.js';
export { showMethods } from './steps/methods.js';

/** The renderer of each kind of step; a typed app or recovery code (`code`) is the prompt's own field. */
const renderers: Record<string, StepRenderer | undefined> = {
  sent: sentCode,
  webauthn: passkey,
  text: textQuestion,
  options: choiceQuestion,
  image: choiceQuestion,
};
const kindOf = (step: ChallengeStep) => (step.sentTo !== undefined ? 'sent' : step.type);
const rendererOf = (step: ChallengeStep | undefined) => (step ? renderers[kindOf(step)] : undefined);

/** Called once per prompt when this module is needed: lends the kit, adds the steps' styles. */
export function init(k: StepKit, h: PromptHost): void {
  lend(k);
  adoptStepsCss(h.shadowRoot);
}

/** Called by the prompt each time a `CHALLENGED` answer shows a step. */
export function stepShown(h: PromptHost): void {
  const step = stepOf(h);
  if (!step) return;
  // A new step clears "Checking…" of the previous one; a resent code (same step) keeps its message.
  if (stateOf(h).guid !== step.guid) h.setStatus('');
  resetState(h, { guid: step.guid });
  h.requestUpdate(); // the step's controls read this new state
  rendererOf(step)?.shown?.(h, step);
}

/** The value of a non-code step for `verify()`, or undefined (the step said what is missing). */
export function answerOf(h: PromptHost): string | undefined {
  const step = stepOf(h);
  return step && rendererOf(step)?.answer?.(h, step);
}

/** Errors that mean "answer this step again", lockouts and a user without factors: true when handled here. */
export function stepError(h: PromptHost, e: MfaError, retry?: () => void): boolean {
  const step = stepOf(h);
  if (e.code === 'locked') return lockedOut(h, e), true;
  if (e.code === 'not_enrolled') return notEnrolled(h), true;
  // Signed out meanwhile: say so (not "something went wrong"). The typed code stays, and Try again
  // works once the user has signed in again (in another tab); Close reports `denied`.
  if (e.code === 'unauthenticated') return h.block('denied', describeError(e, stringsOf(h), h.resolvedLocale).text, retry ?? null), true;
  if (!step) return false;
  if (e.code === 'code_used') {
    // A right code that was used already (another tab, a second click): wait for the next one.
    h.enter('code');
    h.codeInput.clear();
    h.codeInput.setInvalid(true);
    h.setStatus(describeError(e, stringsOf(h), h.resolvedLocale).text);
    h.codeInput.focus();
    return true;
  }
  const message = rendererOf(step)?.refused?.(h, step, e);
  if (!message) return false;
  h.enter('code');
  h.setStatus(message, false);
  stateOf(h).invalid = true;
  h.requestUpdate();
  // A refused text answer is selected, so the next one replaces it instead of being appended.
  void h.updateComplete.then(() => h.renderRoot.querySelector<HTMLInputElement>('.answer input[type=text]')?.select());
  // Back to where the answer is given (Verify was disabled while checking, so focus was lost).
  void h.updateComplete.then(() => {
    const find = (selector: string) => h.renderRoot.querySelector<HTMLElement>(selector);
    (find('.answer input:checked') ?? find('.answer input') ?? find('footer .primary'))?.focus();
  });
  return true;
}

/** The primary button's label for the current step ("Use passkey"), or undefined for "Verify". */
export function verifyLabel(h: PromptHost): string | undefined {
  const step = stepOf(h);
  return stateOf(h).listing || !step ? undefined : rendererOf(step)?.verifyLabel?.(h, step);
}

/** The blocked footer's primary button: Back from the methods list, a step's own, else the prompt's "Try again". */
export const retryLabel = (h: PromptHost): string | undefined => (stateOf(h).listing ? stringsOf(h).back : stateOf(h).retryLabel);
/** The "use another method" list is shown (Escape goes back from it). */
export const listing = (h: PromptHost): boolean => !!stateOf(h).listing;

/** The intro line for the current step, or undefined for the prompt's own. */
export function introOf(h: PromptHost): string | undefined {
  const step = stepOf(h);
  const s = stringsOf(h);
  if (stateOf(h).listing) return s.methodsTitle;
  if (!step || h.phase === 'blocked') return undefined;
  const renderer = rendererOf(step);
  if (renderer) return renderer.intro?.(h, step);
  return justEnrolled(h) && h.challenge?.factor.type !== 'recovery' ? s.nextCodeHint : undefined;
}

/** The step's own controls (inserted by the prompt under its intro). */
export function renderStep(h: PromptHost) {
  const c = h.challenge;
  const step = stepOf(h);
  if (!c || !step) return '';
  if (stateOf(h).listing) return renderMethods(h, c);
  if (h.phase === 'blocked' || h.phase === 'loading') return '';
  return rendererOf(step)?.render?.(h, step) ?? '';
}
