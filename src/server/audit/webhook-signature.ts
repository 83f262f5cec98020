/**
 * Signatures of webhook deliveries (docs/operating.md "Audit events and webhooks"): the sender
 * signs, the receiver checks with `verifyWebhookSignature` (constant time, 5-minute tolerance).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const encoder = new TextEncoder();
const toBytes = (body: string | Uint8Array): Uint8Array => (typeof body === 'string' ? encoder.encode(body) : body);

/** `v1`: HMAC of `${timestamp}.${body}`; `v2` (with an id): HMAC of `${id}.${timestamp}.${body}`. */
function hmacHex(secret: string, id: string | undefined, timestamp: string, body: string | Uint8Array): string {
  const mac = createHmac('sha256', secret);
  if (id !== undefined) mac.update(`${id}.`);
  return mac.update(`${timestamp}.`).update(toBytes(body)).digest('hex');
}

/** Ids as the server makes them (UUIDs); anything else is refused before any MAC. */
const WEBHOOK_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The `MFA-Webhook-Signature` value for `body` sent at `timestamp` (unix seconds): with `id`
 * (audit webhooks, `MFA-Webhook-Id`) `v2=<hex>` over `${id}.${timestamp}.${body}`; without it
 * (`webhookSender`) `v1=<hex>` over `${timestamp}.${body}`.
 */
export function signWebhook(input: { secret: string; body: string | Uint8Array; timestamp: number | string; id?: string }): string {
  if (input.id !== undefined && !WEBHOOK_ID.test(input.id)) throw new TypeError('signWebhook: `id` must be 1–128 letters, digits, _ or -');
  return `${input.id === undefined ? 'v1' : 'v2'}=${hmacHex(input.secret, input.id, String(input.timestamp), input.body)}`;
}

export interface VerifyWebhookInput {
  /** The shared secret; several while rotating (any one may match). */
  secret: string | string[];
  /** The raw request body exactly as received (do not re-serialize parsed JSON). */
  body: string | Uint8Array;
  /** `MFA-Webhook-Timestamp` header. */
  timestamp: string | number | null | undefined;
  /** `MFA-Webhook-Signature` header: one or more `v1=<hex>`/`v2=<hex>` separated by spaces or commas. */
  signature: string | null | undefined;
  /**
   * `MFA-Webhook-Id` header when the request has one (audit webhooks: it is signed, `v2`). Pass
   * it whenever present; without it only `v1` signatures (`webhookSender`) are checked.
   */
  id?: string | null;
  /** Accepted clock difference in seconds, either way (default 300). */
  toleranceSec?: number;
  /** The receiver's clock in ms (default `Date.now()`). */
  now?: number;
}

/**
 * True when `signature` holds a valid HMAC under `secret` — `v2` of `${id}.${timestamp}.${body}`
 * when `id` is given, else `v1` of `${timestamp}.${body}` — and the timestamp is within
 * `toleranceSec` of `now`. Constant-time compare; never throws.
 */
export function verifyWebhookSignature(input: VerifyWebhookInput): boolean {
  try {
    const { toleranceSec = 300, now = Date.now() } = input;
    const timestamp = String(input.timestamp ?? '');
    if (!/^[0-9]{1,12}$/.test(timestamp)) return false;
    if (Math.abs(Math.floor(now / 1000) - Number(timestamp)) > toleranceSec) return false;
    const id = input.id ?? undefined;
    if (id !== undefined && !WEBHOOK_ID.test(id)) return false;
    const version = id === undefined ? 'v1' : 'v2';
    const given = (input.signature ?? '')
      .split(/[\s,]+/)
      .filter((part) => part.startsWith(`${version}=`) && /^v[12]=[0-9a-fA-F]{64}$/.test(part))
      .map((part) => Buffer.from(part.slice(3), 'hex'));
    if (given.length === 0) return false;
    const secrets = (Array.isArray(input.secret) ? input.secret : [input.secret]).filter((s) => typeof s === 'string' && s.length > 0);
    let ok = false;
    for (const secret of secrets) {
      const expected = Buffer.from(hmacHex(secret, id, timestamp, input.body), 'hex');
      // No early exit: every candidate is compared, each in constant time.
      for (const sig of given) ok = timingSafeEqual(sig, expected) || ok;
    }
    return ok;
  } catch {
    return false;
  }
}
