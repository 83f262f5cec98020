/**
 * Questions (KBA and an integration's steps): a `text` answer, or a choice among `options` or
 * `image`s ("Which phone should get the code?" is one too). Server-given labels are template
 * values, i.e. text, never HTML (docs/security.md); pictures only from data: URLs or this origin.
 */
import type { ChallengeStep } from '../../../core/types.js';
import type { PromptHost } from '../prompt-host.js';
import { kit, plural, safeImage, stateOf, stringsOf, type StepRenderer } from './kit.js';

const answerInput = (h: PromptHost) => h.renderRoot.querySelector<HTMLInputElement>('.answer input');
const onEnter = (h: PromptHost) => (e: KeyboardEvent) => e.key === 'Enter' && void h.verify();

const picture = (step: ChallengeStep) =>
  safeImage(step.image) ? kit.html`<img class="question-image" src=${safeImage(step.image)!} alt=${step.imageAlt ?? ''} />` : '';

/** What both kinds share: focus on the answer, the intro, a refused answer. */
const asked: StepRenderer = {
  shown: (h) => void Promise.resolve().then(() => answerInput(h)?.focus()),
  // "Which phone should get the code?" is the legend itself; questions get a short intro.
  intro: (h, step) => (step.fieldName === 'destination' ? '' : stringsOf(h).questionsIntro),
  refused(h, step, e) {
    const s = stringsOf(h);
    return e.code === 'invalid_option' ? s.chooseOption
      : e.code === 'invalid_code' ? plural(h.resolvedLocale, s.wrongAnswer, e.attemptsLeft ?? 0)
      : e.code === 'malformed_code' && step.type === 'text' ? s.emptyAnswer
      : undefined;
  },
};

export const textQuestion: StepRenderer = {
  ...asked,
  answer(h) {
    const input = answerInput(h);
    const value = input?.value.trim() ?? '';
    if (value) return value;
    h.setStatus(stringsOf(h).emptyAnswer);
    input?.focus();
    return undefined;
  },
  render: (h, step) => kit.html`<div class="answer field">
    <label class="label" for="answer"><bdi>${step.label}</bdi></label>
    ${picture(step)}
    <input id="answer" type="text" part="answer-input" autocomplete="off" aria-invalid=${stateOf(h).invalid ? 'true' : 'false'}
      placeholder=${stringsOf(h).answerLabel} @keydown=${onEnter(h)} />
  </div>`,
};

export const choiceQuestion: StepRenderer = {
  ...asked,
  answer(h) {
    const choice = stateOf(h).choice;
    if (!choice) {
      h.setStatus(stringsOf(h).chooseOption);
      answerInput(h)?.focus();
    }
    return choice;
  },
  render(h, step) {
    const { html } = kit;
    const st = stateOf(h);
    const pick = (value: string) => {
      st.choice = value;
      st.invalid = false;
      h.setStatus('');
    };
    return html`<fieldset class="answer choices" part="choices" data-type=${step.type}>
      <legend><bdi>${step.label}</bdi></legend>
      ${picture(step)}
      ${(step.options ?? []).map((o) => html`<label class="choice" part="choice">
        <input type="radio" name="choice" .value=${o.value} .checked=${st.choice === o.value} @change=${() => pick(o.value)}
          @keydown=${onEnter(h)} />
        ${safeImage(o.image) ? html`<img src=${safeImage(o.image)!} alt="" />` : ''}
        <span dir="auto">${o.label}</span>
      </label>`)}
    </fieldset>`;
  },
};
