/**
 * Styles of the controls beyond a code field — choice lists (methods, options, pictures, factor
 * types), text answers, form fields, the resend button, notices. Written in Lit's `css` (so the
 * build minifies it like the other styles) but exported as text: prompt-steps.ts adopts it into
 * the prompt's shadow root when it loads (so the size-budgeted prompt path does not carry it), and
 * `<mfa-enroll>` includes it with `unsafeCSS` (our own text).
 */
import { css } from 'lit';

export const stepsCss = css`
.methods,.choices{display:grid;gap:.5rem;margin:0;padding:0;border:0;list-style:none;min-width:0}
.choices legend{padding:0;margin-bottom:.5rem;font-weight:600}
.method,.choice{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .75rem;width:100%;min-height:2.75rem;box-sizing:border-box;padding:.5rem .75rem;border:1px solid var(--_border);border-radius:calc(var(--_radius)/1.5);text-align:start;cursor:pointer}
.method-name{font-weight:600}
.method-detail{color:var(--_muted);overflow-wrap:anywhere}
.choice input{width:1.25rem;height:1.25rem;margin:0;accent-color:var(--_accent)}
.choice:has(input:focus-visible){outline:3px solid var(--_focus);outline-offset:2px}
.choice:has(input:checked){border-color:var(--_accent);box-shadow:inset 0 0 0 1px var(--_accent)}
.choice img{width:3rem;height:3rem;object-fit:cover;border-radius:calc(var(--_radius)/2)}
.question-image{max-width:100%;max-height:8rem;border-radius:calc(var(--_radius)/2)}
.answer input[type=text],.form .field input{box-sizing:border-box;width:100%;min-height:2.75rem;padding:.5rem .75rem;border:1px solid var(--_border);border-radius:calc(var(--_radius)/1.5);background:var(--_bg);color:var(--_fg);font:inherit}
.answer input[type=text]:focus-visible,.form .field input:focus-visible{outline:3px solid var(--_focus);outline-offset:1px}
.form .field input[aria-invalid=true]{border-color:var(--_danger)}
.form{display:grid;gap:.75rem}
.hint{color:var(--_muted);font-size:.875rem}
button.resend[aria-disabled=true]{color:var(--_muted);cursor:default;text-decoration:none}
.notice{margin:0;padding:.5rem .75rem;border-inline-start:4px solid var(--_danger);background:color-mix(in srgb,var(--_danger) 8%,transparent)}
@media (forced-colors:active){.method,.choice{border:1px solid CanvasText}}
`.cssText;

/** Adds the steps' styles to a shadow root once (the prompt's, when prompt-steps.ts loads). */
export function adoptStepsCss(root: ShadowRoot | null): void {
  if (!root || root.adoptedStyleSheets.some((s) => (s as { mfaSteps?: boolean }).mfaSteps)) return;
  const sheet = Object.assign(new CSSStyleSheet(), { mfaSteps: true });
  sheet.replaceSync(stepsCss);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}
