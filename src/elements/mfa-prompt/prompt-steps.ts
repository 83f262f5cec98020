/**
 * The prompt's steps beyond a typed code, loaded on first use (shared/lazy.ts): codes the server
 * sends (with the resend countdown and WebOTP), `text` questions, `options` and `image` choices,
 * passkeys (`webauthn`), and the "use another method" list. One renderer for every challenge
 * shape of docs/server.md "HTTP protocol", so an MX-style flow (question → options → code) is just successive steps.
 *
 * No Lit import here: the host passes its `html`, so the script-tag build can load this module
 * as a companion file without a second copy of Lit. Server-given labels are template values,
 * i.e. text, never HTML (docs/security.md); pictures are shown only from data:image URLs or this origin.
 */
import type { html as litHtml, TemplateResult } from 'lit';
import type { MfaClient } from '../../client/mfa-client.js';
import type { MfaError } from '../../core/errors.js';
import type { ChallengeResponse, ChallengedResponse, ChallengeStep, FactorType } from '../../core/types.js';
import { enConsole } from '../../i18n/en-console.js';
import { enSteps } from '../../i18n/en-steps.js';
import { factorTypeLabel } from '../../i18n/factor-label.js';
import type { format as formatFn, MfaStrings, plural as pluralFn } from '../../i18n/localize.js';
import { clock, resendButton, tickUntil } from '../shared/resend.js';
import { adoptStepsCss } from '../shared/steps-css.js';
import { passkeyRequired as showPasskeyRequired, type PasskeyHost } from './passkey-required.js';

type Html = typeof litHtml;

/**
 * What the host lends this module: Lit's `html` and the prompt's formatting. Importing them here
 * instead would make esbuild split them into extra shared chunks on the size-budgeted prompt path.
 */
export interface StepKit {
  html: Html;
  format: typeof formatFn;
  plural: typeof pluralFn;
}

let kit: StepKit;
/** Called once per prompt when this module is needed: lends the kit, adds the steps' styles. */
export function init(k: StepKit, h?: StepHost): void {
  kit ??= k;
  if (h) adoptStepsCss(h.shadowRoot);
}
const format: typeof formatFn = (...a) => kit.format(...a);
const plural: typeof pluralFn = (...a) => kit.plural(...a);

/** What the steps use of `<mfa-prompt>` (its internals, by contract with mfa-prompt.ts). */
export interface StepHost extends HTMLElement {
  challenge?: ChallengedResponse;
  phase: string;
  listing: boolean;
  retry: (() => void) | null;
  readonly api: MfaClient;
  readonly strings: MfaStrings;
  readonly resolvedLocale: string;
  readonly renderRoot: HTMLElement | DocumentFragment;
  readonly shadowRoot: ShadowRoot | null;
  readonly codeInput: { input: HTMLInputElement; focus(): void; clear(): void; setInvalid(invalid: boolean): void };
  readonly open: boolean;
  readonly updateComplete: Promise<boolean>;
  readonly factor?: FactorType;
  enrolled: boolean;
  afterEnroll: boolean;
  pendingFailure?: string;
  hide(): void;
  present(): void;
  finish(outcome: { success: boolean; error?: string; timestamp: number }): void;
  outcomeScope(): { resource?: string; action?: string };
  start(factorType?: FactorType, factorId?: string): Promise<void>;
  verify(value?: string): Promise<void>;
  handleAnswer(answer: ChallengeResponse): void;
  handleError(err: unknown, retry: () => void): void;
  setStatus(text: string, urgent?: boolean, info?: boolean): void;
  requestUpdate(): void;
}

interface StepState {
  /** Which step (guid) this state belongs to. */
  guid?: string;
  /** When "Send a new code" becomes available (ms), or null when no more codes may be sent. */
  resendAt?: number | null;
  choice?: string;
  /** The last answer to this step was refused (marks a text answer `aria-invalid`). */
  invalid?: boolean;
  /** This method is locked: the methods list leaves it out. */
  locked?: boolean;
}

const states = new WeakMap<StepHost, StepState>();
const stateOf = (h: StepHost) => states.get(h) ?? (states.set(h, {}), states.get(h)!);
const stepOf = (h: StepHost): ChallengeStep | undefined => h.challenge?.challenges[0];
const strings = (h: StepHost) => ({ ...enSteps, ...enConsole, ...h.strings }) as MfaStrings;

/** True when the prompt needs this module for the step (a plain TOTP or recovery code does not). */
export const needsSteps = (step: ChallengeStep): boolean => step.type !== 'code' || step.sentTo !== undefined;

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

/** Called by the prompt each time a `CHALLENGED` answer shows a step. */
export function stepShown(h: StepHost): void {
  const step = stepOf(h);
  if (!step) return;
  // A new step clears "Checking…" of the previous one; a resent code (same step) keeps its message.
  if (states.get(h)?.guid !== step.guid) h.setStatus('');
  const st: StepState = { guid: step.guid };
  states.set(h, st);
  const s = strings(h);
  h.requestUpdate(); // the step's controls read this new state
  if (step.sentTo !== undefined) {
    st.resendAt = step.resendAfter === undefined ? null : Date.now() + step.resendAfter * 1000;
    if (step.deliveryFailed) h.setStatus(s.deliveryFailed, true);
    if (st.resendAt) tickUntil(h, st.resendAt, () => h.open && stateOf(h) === st);
    listenForSms(h, step.guid);
  }
  if (step.type === 'webauthn') void usePasskey(h);
  if (step.type === 'text' || step.type === 'options' || step.type === 'image') {
    void Promise.resolve().then(() => h.renderRoot.querySelector<HTMLInputElement>('.answer input')?.focus());
  }
}

/** WebOTP: where the browser offers the SMS code (`@host #code`), fill it in and verify. */
function listenForSms(h: StepHost, guid: string): void {
  if (!('OTPCredential' in window)) return;
  const abort = new AbortController();
  const stop = () => (stateOf(h).guid !== guid || !h.open) && abort.abort();
  h.addEventListener('mfa-hide', () => abort.abort(), { once: true });
  navigator.credentials
    .get({ otp: { transport: ['sms'] }, signal: abort.signal } as CredentialRequestOptions)
    .then((cred) => {
      const code = (cred as { code?: string } | null)?.code;
      stop();
      if (!code || abort.signal.aborted) return;
      h.codeInput.input.value = code;
      void h.verify();
    })
    .catch(() => {}); // no SMS, dismissed or aborted: typing still works
}

async function resend(h: StepHost): Promise<void> {
  const st = stateOf(h);
  const s = strings(h);
  if (!h.challenge || !st.resendAt || st.resendAt > Date.now()) return;
  try {
    const answer = await h.api.resend(h.challenge.challengeId);
    h.handleAnswer(answer);
    h.setStatus(stepOf(h)?.deliveryFailed ? s.deliveryFailed : s.codeResent, !!stepOf(h)?.deliveryFailed, true);
  } catch (err) {
    const e = err as MfaError;
    if (e.code === 'rate_limited' || e.code === 'conflict') {
      if (e.code === 'conflict') return; // another tab sent a new code just now: it is on its way
      // Out of codes for this challenge (or asked too early by another tab): say so, keep typing possible.
      st.resendAt = e.retryAfter && e.retryAfter < 60 ? Date.now() + e.retryAfter * 1000 : null;
      h.setStatus(st.resendAt ? format(s.resendIn, { time: clock(e.retryAfter!) }) : s.noMoreCodes, true);
      if (st.resendAt) tickUntil(h, st.resendAt, () => h.open && stateOf(h) === st);
      h.requestUpdate();
      return;
    }
    // Locked, expired, offline…: the prompt's own handling (with "Try again" where it helps).
    h.handleError(e, () => void h.start(h.challenge?.factor.type));
  }
}

/** Runs the passkey ceremony and answers the step with it; a cancel leaves the step usable. */
async function usePasskey(h: StepHost): Promise<void> {
  const step = stepOf(h);
  const s = strings(h);
  if (!step?.publicKey || h.phase !== 'code') return;
  // A direct dynamic import: in the script-tag companion build it is bundled into this file.
  const passkeys = await import('../shared/passkeys.js');
  if (!passkeys.passkeysSupported()) {
    h.setStatus(s.passkeyUnsupported, true);
    return;
  }
  h.phase = 'verifying';
  h.setStatus(s.passkeyWaiting, false, true);
  let value: string;
  try {
    value = await passkeys.signWithPasskey(step.publicKey);
  } catch {
    h.phase = 'code';
    h.setStatus(s.passkeyCancelled, true);
    // Verify starts the ceremony again: put the keyboard there.
    void h.updateComplete.then(() => h.renderRoot.querySelector<HTMLButtonElement>('footer .primary')?.focus());
    return;
  }
  h.phase = 'code';
  await h.verify(value);
}

/**
 * The value of a non-code step for `verify()`, or undefined after telling the user what is
 * missing. Passkey steps answer through their own ceremony instead.
 */
export function answerOf(h: StepHost): string | undefined {
  const step = stepOf(h);
  const s = strings(h);
  if (!step) return undefined;
  if (step.type === 'webauthn') {
    void usePasskey(h);
    return undefined;
  }
  if (step.type === 'text') {
    const input = h.renderRoot.querySelector<HTMLInputElement>('.answer input');
    const value = input?.value.trim() ?? '';
    if (!value) {
      h.setStatus(s.emptyAnswer);
      input?.focus();
      return undefined;
    }
    return value;
  }
  const choice = stateOf(h).choice;
  if (!choice) {
    h.setStatus(s.chooseOption);
    h.renderRoot.querySelector<HTMLInputElement>('.answer input')?.focus();
  }
  return choice;
}

/** Errors that mean "answer this step again": true when handled here. */
export function stepError(h: StepHost, e: MfaError): boolean {
  const step = stepOf(h);
  const s = strings(h);
  if (e.code === 'locked') return locked(h, e), true;
  if (!step) return false;
  if (e.code === 'code_used') {
    // A right code that was used already (another tab, a second click): wait for the next one.
    h.phase = 'code';
    h.codeInput.clear();
    h.codeInput.setInvalid(true);
    h.setStatus(s.codeUsed);
    h.codeInput.focus();
    return true;
  }
  const message =
    e.code === 'invalid_credential' ? s.invalidCredential
    : e.code === 'invalid_option' ? s.chooseOption
    : e.code === 'invalid_code' && step.type !== 'code' ? plural(h.resolvedLocale, s.wrongAnswer, e.attemptsLeft ?? 0)
    : e.code === 'malformed_code' && step.type === 'text' ? s.emptyAnswer
    : undefined;
  if (!message) return false;
  h.phase = 'code';
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
export const verifyLabel = (h: StepHost): string | undefined =>
  stepOf(h)?.type === 'webauthn' && !h.listing ? strings(h).usePasskey : undefined;

/** The intro line for the current step, or undefined for the prompt's own. */
export function introOf(h: StepHost): string | undefined {
  const step = stepOf(h);
  const s = strings(h);
  if (h.listing) return s.methodsTitle;
  if (!step || h.phase === 'blocked') return undefined;
  if (step.sentTo !== undefined) return format(s.codeSentTo, { to: step.sentTo });
  if (step.type === 'webauthn') return s.passkeyIntro;
  // "Which phone should get the code?" is the legend itself; questions get a short intro.
  if (step.type !== 'code') return step.fieldName === 'destination' ? '' : s.questionsIntro;
  return undefined;
}

/**
 * Opens the "use another method" list. Its footer offers Back (to the code entry, the same
 * challenge) and Close; after a lockout only Close, and the locked method is not listed.
 */
export function showMethods(h: StepHost, back = true): void {
  h.listing = true;
  h.phase = 'blocked';
  h.retry = back
    ? () => {
        h.listing = false;
        h.phase = 'code';
        h.retry = null;
        void h.updateComplete.then(() => (stepOf(h)?.type === 'code' ? h.codeInput.focus() : h.renderRoot.querySelector<HTMLElement>('.answer input, footer .primary')?.focus()));
      }
    : null;
  h.setStatus('');
  void Promise.resolve().then(() => h.renderRoot.querySelector<HTMLButtonElement>('.methods button')?.focus());
}

/**
 * Too many wrong answers for this method: say until when, and offer the user's other methods
 * (a recovery code among them) — the lock is per method, so they still work.
 */
function locked(h: StepHost, e: MfaError): void {
  const s = strings(h);
  const seconds = e.retryAfter ?? 60;
  const at = new Intl.DateTimeFormat(h.resolvedLocale, { timeStyle: 'short' }).format(Date.now() + seconds * 1000);
  const text = format(s.lockedUntil, { minutes: plural(h.resolvedLocale, s.minutes, Math.max(1, Math.ceil(seconds / 60))), time: at });
  const others = h.challenge ? methods(h.challenge).length > 1 : false;
  stateOf(h).locked = true;
  if (others) showMethods(h, false);
  else {
    h.phase = 'blocked';
    h.retry = null;
  }
  h.present();
  h.pendingFailure = 'locked';
  h.setStatus(text, true); // with other methods, the list's own intro says to choose one
  if (!others) void h.updateComplete.then(() => h.renderRoot.querySelector<HTMLButtonElement>('footer button')?.focus());
}

const typeName = (s: MfaStrings, type: FactorType): string => factorTypeLabel(s, type);

interface MethodEntry {
  type: FactorType;
  id?: string;
  detail?: string;
}

/**
 * Every way through, the current one last (so the list is also the way back): one entry per
 * factor, but several phones (or addresses) as one (the server then asks which).
 */
function methods(c: ChallengedResponse, lockedOut = false): MethodEntry[] {
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

function renderMethods(h: StepHost, c: ChallengedResponse): TemplateResult {
  const { html } = kit;
  const s = strings(h);
  const choose = (e: MethodEntry) => {
    h.listing = false;
    void h.start(e.type, e.id);
  };
  return html`<ul class="methods" part="methods">
    ${methods(c, stateOf(h).locked).map((e) => html`<li>
      <button class="method" part="button method-button" @click=${() => choose(e)}>
        <span class="method-name">${typeName(s, e.type)}</span>
        ${e.detail && e.detail !== typeName(s, e.type) ? html`<span class="method-detail">${e.detail}</span>` : ''}
      </button>
    </li>`)}
  </ul>`;
}

const renderResend = (h: StepHost) => resendButton(kit.html, strings(h), stateOf(h).resendAt, () => void resend(h));

function renderChoices(h: StepHost, step: ChallengeStep): TemplateResult {
  const { html } = kit;
  const st = stateOf(h);
  const pick = (value: string) => {
    stateOf(h).choice = value;
    stateOf(h).invalid = false;
    h.setStatus('');
  };
  return html`<fieldset class="answer choices" part="choices" data-type=${step.type}>
    <legend dir="auto">${step.label}</legend>
    ${safeImage(step.image) ? html`<img class="question-image" src=${safeImage(step.image)!} alt=${step.imageAlt ?? ''} />` : ''}
    ${(step.options ?? []).map((o) => html`<label class="choice" part="choice">
      <input type="radio" name="choice" .value=${o.value} .checked=${st.choice === o.value} @change=${() => pick(o.value)}
        @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && void h.verify()} />
      ${safeImage(o.image) ? html`<img src=${safeImage(o.image)!} alt="" />` : ''}
      <span dir="auto">${o.label}</span>
    </label>`)}
  </fieldset>`;
}

function renderText(h: StepHost, step: ChallengeStep): TemplateResult {
  const { html } = kit;
  const s = strings(h);
  return html`<div class="answer field">
    <label class="label" for="answer" dir="auto">${step.label}</label>
    ${safeImage(step.image) ? html`<img class="question-image" src=${safeImage(step.image)!} alt=${step.imageAlt ?? ''} />` : ''}
    <input id="answer" type="text" part="answer-input" autocomplete="off" aria-invalid=${stateOf(h).invalid ? 'true' : 'false'}
      placeholder=${s.answerLabel} @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && void h.verify()} />
  </div>`;
}

/** The step's own controls (inserted by the prompt under its intro). */
export function renderStep(h: StepHost): TemplateResult | string {
  const c = h.challenge;
  const step = stepOf(h);
  if (!c || !step) return '';
  if (h.listing) return renderMethods(h, c);
  if (h.phase === 'blocked' || h.phase === 'loading') return '';
  if (step.type === 'options' || step.type === 'image') return renderChoices(h, step);
  if (step.type === 'text') return renderText(h, step);
  // Only the step that sent a code has a resend button (not an app code chosen afterwards).
  if (step.type === 'code') return step.sentTo !== undefined && stateOf(h).guid === step.guid ? renderResend(h) : '';
  return '';
}

// ---- enroll-if-missing: the embedded <mfa-enroll> ----

/**
 * Switches to the embedded enrollment. `<mfa-enroll>` is not imported here (it would weigh on
 * every prompt): it must be registered — `mfa-elements/define.js`, the script-tag bundle, or the
 * app's own `customElements.define` — otherwise the outcome stays `not_enrolled`, with a warning.
 */
export function enterEnrollment(h: StepHost): void {
  if (!customElements.get('mfa-enroll')) {
    console.warn('[mfa-elements] enrollIfMissing needs <mfa-enroll> registered: import "mfa-elements/define.js".');
    h.finish({ success: false, error: 'not_enrolled', timestamp: Date.now(), ...h.outcomeScope() });
    return;
  }
  h.pendingFailure = 'not_enrolled';
  h.phase = 'enroll';
  h.present();
}

export function renderEnroll(h: StepHost): TemplateResult {
  const { html } = kit;
  const s = strings(h);
  // A phr step-up without a passkey enrolls a passkey (passkey-required.ts); otherwise the default.
  const type = (h as { enrollType?: string }).enrollType;
  /** The embedded `<mfa-enroll>` speaks for itself only to us: its events must not reach the page. */
  const onEvent = (event: Event) => {
    event.stopPropagation();
    if (event.type === 'resolve') h.enrolled = true;
    if (event.type === 'reject') h.pendingFailure = (event as CustomEvent<{ error?: string }>).detail.error;
  };
  /** The embedded enrollment closed (after the recovery codes, or cancelled). */
  const onHide = (event: Event) => {
    event.stopPropagation();
    if (!h.enrolled) {
      h.hide();
      return;
    }
    h.pendingFailure = 'cancelled';
    h.afterEnroll = true;
    void h.start(h.factor);
  };
  return html`
    <p id="intro">${type === 'webauthn' ? s.passkeyRequired : s.enrollFirst}</p>
    <mfa-enroll
      inline
      open
      .type=${type ?? 'totp'}
      part="enroll"
      locale=${h.resolvedLocale}
      .client=${h.api}
      @resolve=${onEvent}
      @reject=${onEvent}
      @mfa-show=${onEvent}
      @mfa-error=${onEvent}
      @mfa-request-close=${onEvent}
      @mfa-hide=${onHide}
    ></mfa-enroll>
  `;
}

/** A phr step-up and no passkey: explain, maybe offer to add one (passkey-required.ts). */
export const passkeyRequired = (h: StepHost): void => showPasskeyRequired(h as PasskeyHost, enterEnrollment);
