import { css } from 'lit';

/**
 * The frame shared by `<mfa-prompt>` and `<mfa-enroll>`. Themeable values read `var(--mfa-…)`
 * with a default and are never declared on `:host`, so any ancestor can set them.
 * A dialog's header sticks to the top as the footer to the bottom: on a small screen it scrolls,
 * and the title (what is being asked) and the actions stay in sight; `scroll-padding-block` keeps
 * what focus scrolls into view clear of both.
 */
export const modalStyles = css`
  :host {
    display: contents;
    /* One palette for both schemes: light-dark() follows color-scheme, which the theme attribute
       (or prefers-color-scheme when unset) decides. */
    color-scheme: light dark;
    /* The app's own typeface (inherited from the page) at the dialog's size and weight. A
       typeface of our own would be a family match and a font file to load while showModal()
       lays the first frame out, ≈ 5 ms in a cold page; the page has its font loaded already
       (docs/architecture.md "Time to open"). */
    font-size: 1rem;
    line-height: 1.5;
    font-weight: 400;
    --_fg: var(--mfa-color-text, light-dark(#1b1f24, #e6edf3));
    --_muted: var(--mfa-color-text-muted, light-dark(#57606a, #9ea7b3));
    --_bg: var(--mfa-color-surface, light-dark(#ffffff, #161b22));
    --_border: var(--mfa-color-border, light-dark(#8c959f, #6e7681));
    --_accent: var(--mfa-color-accent, light-dark(#0a58ca, #4c9aff));
    --_on-accent: var(--mfa-color-on-accent, light-dark(#ffffff, #0d1117));
    --_danger: var(--mfa-color-danger, light-dark(#b3261e, #ff8a80));
    --_focus: var(--mfa-color-focus, light-dark(#0a58ca, #79b8ff));
    --_radius: var(--mfa-radius, 12px);
    --_space: var(--mfa-spacing, 16px);
  }
  :host([theme='light']) {
    color-scheme: light;
  }
  :host([theme='dark']) {
    color-scheme: dark;
  }
  :host([hidden]),
  [hidden] {
    display: none !important;
  }
  .frame {
    box-sizing: border-box;
    width: min(var(--mfa-dialog-width, 26rem), calc(100vw - 2rem));
    max-height: calc(100dvh - 2rem);
    overflow: auto;
    scroll-padding-block: 5rem 5.5rem;
    padding: 0;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_fg);
    /* Unset, --mfa-font makes this declaration invalid at computed-value time, and every font
       property then inherits: the page's family at the sizes set on :host. */
    font: var(--mfa-font);
    text-align: start;
  }
  dialog.frame::backdrop {
    background: var(--mfa-backdrop, rgb(0 0 0 / 0.45));
  }
  .inline {
    display: block;
  }
  dialog > header {
    position: sticky;
    top: 0;
    z-index: 1;
    background: var(--_bg);
  }
  header {
    display: flex;
    align-items: start;
    justify-content: space-between;
    gap: var(--_space);
    padding: var(--_space) var(--_space) calc(var(--_space) / 2);
  }
  /* One face of one family, at two sizes, for everything the dialog shows when it opens: the
     title, the close button and the code at 1.25rem, the rest at 1rem, all regular. Each other
     face (a bold) or size is one more synchronous font lookup, and a face one more font file,
     while showModal() lays the dialog out (docs/performance.md "Time to open"). Hierarchy comes
     from size, colour and the filled primary button; apps restyle through ::part(). */
  h2 {
    min-width: 0;
    margin: 0;
    font: inherit; /* not the user agent's bold */
    font-size: 1.25rem;
    line-height: 1.3;
    overflow-wrap: anywhere;
  }
  .body {
    display: grid;
    gap: calc(var(--_space) * 0.75);
    padding: calc(var(--_space) / 2) var(--_space) var(--_space);
  }
  .body p {
    margin: 0;
  }
  .muted {
    color: var(--_muted);
  }
  /* Sticky: when zoom or a small screen makes the dialog scroll, its actions stay in sight. */
  footer {
    position: sticky;
    bottom: 0;
    background: var(--_bg);
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_space) / 2);
    justify-content: flex-end;
    padding: calc(var(--_space) / 2) var(--_space) var(--_space);
  }
  button {
    min-height: 2.75rem;
    min-width: 2.75rem;
    padding: 0.5rem 1rem;
    border-radius: calc(var(--_radius) / 1.5);
    border: 1px solid var(--_border);
    background: transparent;
    color: inherit;
    font: inherit;
    cursor: pointer;
  }
  button.primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_on-accent);
  }
  button.link {
    border: none;
    padding-inline: 0;
    min-height: 1.5rem;
    color: var(--_accent);
    text-decoration: underline;
    justify-self: start;
  }
  button.close {
    border: none;
    padding: 0.25rem;
    font-size: 1.25rem;
    line-height: 1;
  }
  button:disabled {
    opacity: 0.6;
    cursor: default;
  }
  button:focus-visible,
  a:focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  a {
    color: var(--_accent);
  }
  /* The input lives in the page's light DOM, where page CSS applies too. !important from inside a
     shadow root wins over the page's !important (CSS Cascade 4, tree contexts), so layout stays ours. */
  ::slotted(input) {
    display: block !important;
    visibility: visible !important;
    box-sizing: border-box !important;
    width: 100% !important;
    min-height: 3rem !important;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    background: var(--_bg);
    color: var(--_fg);
    /* The dialog's own font with equal-width digits: a monospace stack would be a second family
       to look up and load while the dialog opens (docs/performance.md "Time to open"). */
    font: inherit;
    font-size: 1.25rem;
    line-height: 1.2;
    font-variant-numeric: tabular-nums;
    letter-spacing: 0.2em;
  }
  ::slotted(input:focus-visible) {
    outline: 3px solid var(--_focus);
    outline-offset: 1px;
  }
  ::slotted(input[aria-invalid='true']) {
    border-color: var(--_danger);
  }
  .field {
    display: grid;
    gap: 0.25rem;
  }
  .status {
    min-height: 1.5rem;
    margin: 0;
    color: var(--_danger);
    font-weight: 600;
  }
  .status:empty {
    min-height: 0;
  }
  /* Progress and good news ("Checking…", "Copied", "Saved") are not errors: no alarm colour. */
  .status[data-kind='info'],
  .status[data-kind='ok'] {
    color: var(--_fg);
    font-weight: 400;
  }
  @media (forced-colors: active) {
    .frame,
    button {
      border: 1px solid CanvasText;
    }
    button:focus-visible,
    ::slotted(input:focus-visible) {
      outline-color: Highlight;
    }
  }
  @media (prefers-reduced-motion: no-preference) {
    dialog.frame[open] {
      animation: mfa-in 120ms ease-out;
    }
    @keyframes mfa-in {
      from {
        opacity: 0;
        transform: translateY(8px);
      }
    }
  }
`;
