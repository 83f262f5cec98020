/**
 * The one code field (docs/elements.md): a native `<input autocomplete="one-time-code">` in the
 * host's light DOM, slotted into the shadow dialog, so password managers, SMS autofill and
 * paste all work — never six one-character boxes. Enter submits; a paste or autofill of a
 * whole code submits by itself. Its accessible name is an `aria-label` set by the host on every
 * update (the visible label lives in the shadow root, which ARIA ids cannot reach).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { isCodeOfLength, normalizeTypedCode } from '../../core/code-format.js';

export interface CodeInputMode {
  /** `numeric` for one-time codes, `text` for recovery codes. */
  mode: 'numeric' | 'text';
  /** Expected digits for numeric codes (auto-submit once complete). */
  length?: number;
}

export class CodeInput implements ReactiveController {
  #input?: HTMLInputElement;
  /** Called with the normalized value on Enter or a complete paste/autofill. */
  onSubmit: (value: string) => void = () => {};

  // No DOM here: the host is also constructed where there is no document (server rendering).
  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    host.addController(this);
  }

  /** The `<input>`, made on first use (in the browser), never while the host is constructed. */
  get input(): HTMLInputElement {
    return (this.#input ??= this.#create());
  }

  #create(): HTMLInputElement {
    const input = document.createElement('input');
    input.slot = 'code';
    input.name = 'one-time-code';
    input.setAttribute('part', 'code-input');
    input.spellcheck = false;
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.isComposing) {
        e.preventDefault();
        this.onSubmit(this.value);
      }
    });
    input.addEventListener('input', (e) => {
      const kind = (e as InputEvent).inputType;
      // A one-time code is digits: a letter typed there is dropped at once rather than refused later.
      if (this.mode.mode === 'numeric') this.input.value = this.input.value.replace(/[^\p{Nd}\s.-]/gu, '');
      // Paste and one-time-code autofill deliver the whole code at once.
      const whole = kind === 'insertFromPaste' || kind === 'insertReplacementText' || kind === undefined;
      if (whole && this.isComplete()) this.onSubmit(this.value);
    });
    return input;
  }

  hostConnected(): void {}

  /** Puts the input into the host's light DOM (done on open, so a closed element adds nothing). */
  attach(): void {
    if (this.input.parentNode !== this.host) this.host.append(this.input);
  }

  detach(): void {
    this.input.remove();
    this.input.value = '';
  }

  configure(mode: CodeInputMode): void {
    const numeric = mode.mode === 'numeric';
    this.mode = mode;
    this.input.type = 'text';
    this.input.autocomplete = numeric ? 'one-time-code' : 'off';
    this.input.inputMode = numeric ? 'numeric' : 'text';
    this.input.autocapitalize = 'off';
    if (numeric && mode.length) this.input.setAttribute('maxlength', String(mode.length + 4)); // room for spaces
    else this.input.removeAttribute('maxlength');
    this.input.placeholder = '';
  }

  mode: CodeInputMode = { mode: 'numeric', length: 6 };

  get value(): string {
    // `892-370`, `892.370`: separators people paste are dropped like spaces (a recovery code keeps its dashes).
    const v = normalizeTypedCode(this.input.value);
    return this.mode.mode === 'numeric' ? v.replace(/[.-]/g, '') : v;
  }

  isComplete(): boolean {
    // The server's rule (core/code-format.ts) on a value normalizeTypedCode already cleaned.
    return this.mode.mode === 'numeric' && isCodeOfLength(this.value, this.mode.length!);
  }

  setInvalid(invalid: boolean): void {
    if (invalid) this.input.setAttribute('aria-invalid', 'true');
    else this.input.removeAttribute('aria-invalid');
  }

  clear(): void {
    this.input.value = '';
  }

  set disabled(value: boolean) {
    // readOnly keeps focus and the value where the user left them while a request runs.
    this.input.readOnly = value;
  }

  focus(): void {
    this.input.focus();
  }
}
