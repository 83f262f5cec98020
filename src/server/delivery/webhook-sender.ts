/**
 * A sender for real providers: POSTs each message as signed JSON to your URL (your bridge to
 * Twilio, Vonage, SES, Postmark…), signed with HMAC-SHA256 like audit webhooks but without an id
 * (`v1`), so the receiver checks it with `verifyWebhookSignature` (no `id`). One attempt with a timeout: a failed send
 * surfaces at once as `deliveryFailed` and the user can resend (retrying behind their back
 * could deliver a code after it was replaced). Redirects are not followed: a 3xx is a failure.
 *
 *   POST <url>
 *   content-type: application/json
 *   MFA-Webhook-Timestamp: <unix seconds>
 *   MFA-Webhook-Signature: v1=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
 *
 *   {"kind":"sms","to":"+15551234567","channel":"sms","text":"…","code":"123456"}
 *   {"kind":"email","to":"a@example.com","subject":"…","text":"…","code":"123456"}
 */
import { WEBHOOK_HEADERS, signWebhook } from '../audit/webhooks.js';
import type { EmailMessage, EmailSender, SmsMessage, SmsSender } from './senders.js';

export interface WebhookSenderOptions {
  url: string;
  /** Shared HMAC key, at least 16 characters. */
  secret: string;
  /** Per-request timeout in ms (default 10 000). */
  timeoutMs?: number;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

export function webhookSender(options: WebhookSenderOptions): SmsSender & EmailSender {
  if (options.secret.length < 16) throw new Error('webhookSender: secret must have at least 16 characters');
  const doFetch = options.fetch ?? fetch;
  const post = async (payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await doFetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: signWebhook({ secret: options.secret, body, timestamp }),
      },
      body,
      // A redirect is never followed: the signed message (with its code and address) must not be
      // re-sent to wherever a 3xx points, nor turned into a GET. A 3xx is a failed send.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    await res.arrayBuffer().catch(() => undefined); // free the socket
    // The URL may carry a provider token: never put it in the error (nor the Location).
    if (res.status >= 300 && res.status < 400) throw new Error(`webhook sender: receiver answered a redirect (${res.status}), not followed`);
    if (!res.ok) throw new Error(`webhook sender: receiver answered ${res.status}`);
  };
  return {
    sendSms: ({ to, channel, text, code }: SmsMessage) => post({ kind: 'sms', to, channel, text, code }),
    sendEmail: ({ to, subject, text, code }: EmailMessage) => post({ kind: 'email', to, subject, text, ...(code && { code }) }),
  };
}
