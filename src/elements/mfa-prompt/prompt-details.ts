/**
 * "You are confirming": the transaction a step-up approves (docs/elements.md "What the user
 * confirms"), shown above the input as label/value rows, and the prompt's title. Loaded on first
 * use (a step-up with details; a title alone is shown as it is), so the size-budgeted TOTP prompt
 * path does not carry it.
 *
 * Everything here is the server's or the app's text, so it is rendered through text bindings only
 * (never as HTML). Each label and value is a `<bdi>`: its direction comes from its own text and it
 * is isolated, so a right-to-left payee cannot reorder the amount beside it, while the row keeps
 * the dialog's direction (an English value in an Arabic dialog still sits on the start side, next
 * to its label); long values wrap instead of widening the dialog.
 */
import type { html as litHtml } from 'lit';
import type { MfaStrings } from '../../i18n/en.js';
import { enDetails } from '../../i18n/en-details.js';

export type TransactionDetails = Record<string, string>;

/** A common label (`amount`, `to`…) in the user's language; any other label as written. */
/** Common labels and actions the locales translate; anything else is shown as the server wrote it. */
const LABELS: Record<string, keyof typeof enDetails> = {
  amount: 'labelAmount', to: 'labelTo', from: 'labelFrom', payee: 'labelPayee', account: 'labelAccount', reference: 'labelReference',
};
const TITLES: Record<string, keyof typeof enDetails> = {
  transfer: 'titleTransfer', pay: 'titlePay', withdraw: 'titleWithdraw', delete: 'titleDelete',
};
const own = (map: Record<string, keyof typeof enDetails>, key: string) => (Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined);

/** English is bundled with the prompt without these strings; other locales carry them. */
const withDetails = (s: MfaStrings): MfaStrings => ({ ...enDetails, ...s }) as MfaStrings;

function labelOf(s: MfaStrings, label: string): string {
  const key = own(LABELS, label);
  return key ? s[key] : label;
}

/**
 * The prompt's heading: the route's or the app's title; else, when there is a transaction to
 * show, one for the action ("Confirm the transfer") or "Confirm this request"; only a step-up that
 * says nothing more is titled "Confirm it's you".
 */
export function promptTitleOf(strings: MfaStrings, heading: string | undefined, action: string, details: TransactionDetails | undefined): string {
  if (heading) return heading;
  const s = withDetails(strings);
  if (!details || Object.keys(details).length === 0) return s.promptTitle;
  const key = own(TITLES, action);
  return key ? s[key] : s.confirmRequestTitle;
}

/** `html` comes from the prompt (like prompt-steps.ts), so this chunk carries no copy of Lit. */
export function renderDetails(html: typeof litHtml, strings: MfaStrings, details: TransactionDetails | undefined) {
  const rows = details ? Object.entries(details).filter(([, v]) => typeof v === 'string') : [];
  if (rows.length === 0) return '';
  const s = withDetails(strings);
  // Styles travel with the block (a static <style>, no bindings), not with the prompt's own sheet.
  // Long values wrap (overflow-wrap: anywhere): a 200-character IBAN never widens a 320 px dialog.
  return html`
    <style>
  .details {
    margin: 0 0 0.75rem;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: 6px;
    min-width: 0;
  }
  .details-heading {
    margin: 0 0 0.25rem;
    font-size: 0.875rem;
    font-weight: 600;
    color: var(--_muted);
  }
  .details dl {
    margin: 0;
  }
  .detail {
    display: grid;
    grid-template-columns: minmax(5rem, max-content) minmax(0, 1fr);
    gap: 0 0.75rem;
    padding: 0.125rem 0;
  }
  .detail dt {
    color: var(--_muted);
    overflow-wrap: anywhere;
  }
  .detail dd {
    margin: 0;
    font-weight: 600;
    min-width: 0;
    overflow-wrap: anywhere;
    white-space: pre-wrap;
  }
  @media (max-width: 360px) {
    .detail {
      grid-template-columns: minmax(0, 1fr);
    }
  }
    </style>
    <section class="details" part="details" aria-labelledby="details-heading">
      <h3 id="details-heading" class="details-heading">${s.confirmingHeading}</h3>
      <dl>
        ${rows.map(([label, value]) => html`
          <div class="detail" part="detail">
            <dt><bdi>${labelOf(s, label)}</bdi></dt>
            <dd><bdi>${value}</bdi></dd>
          </div>`)}
      </dl>
    </section>
  `;
}

