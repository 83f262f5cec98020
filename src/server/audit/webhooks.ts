/**
 * Signed webhooks (docs/operating.md "Audit events and webhooks"): a sink that POSTs selected audit events as JSON, signed
 * with HMAC-SHA256 over `${id}.${timestamp}.${body}`, from bounded background queues with retries.
 *
 * Wire format (one delivery; the body is identical on every attempt, the timestamp and signature
 * are made anew for each attempt):
 *
 *   POST <url>
 *   content-type: application/json
 *   MFA-Webhook-Id: <event id>                      (the same on every retry: dedupe on it)
 *   MFA-Webhook-Timestamp: <unix seconds>
 *   MFA-Webhook-Signature: v2=<hex HMAC-SHA256(secret, `${id}.${timestamp}.${body}`)>
 *
 *   {"id":"<event id>","type":"<event type>","event":{…the AuditEvent…}}
 *
 * The id header is signed (`v2`), so a captured delivery cannot be replayed under a fresh id past
 * a receiver that dedupes on it. `v1=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>` (no id)
 * is what `webhookSender` (delivery/webhook-sender.ts) sends; a verifier given an id checks only
 * `v2`, one given none only `v1`, so neither kind passes for the other.
 * Receivers check it with `verifyWebhookSignature` (constant-time, 5-minute tolerance).
 *
 * Two queues per receiver: the server's own events, and the app's `user.action` events
 * (`POST /mfa/audit`). The server's are sent first, and a full app queue drops only app events,
 * so a flood of app events can neither evict nor hold up a `factor.locked` alert.
 */
import type { AuditEvent } from '../stores/store.js';
import type { AuditLogger, AuditSink } from './sinks.js';
import { signWebhook } from './webhook-signature.js';

export { signWebhook, verifyWebhookSignature, type VerifyWebhookInput } from './webhook-signature.js';

export interface WebhookConfig {
  /** Receiver URL (`https:` in production; `http:` is accepted for local receivers). */
  url: string;
  /** Shared HMAC key, at least 16 characters (use 32 random bytes, e.g. `openssl rand -hex 32`). */
  secret: string;
  /**
   * Event types to send. Default: every event whose severity is `warning` or `critical`, plus
   * `user.action` events the app flagged with `webhookNotification`. With a list, exactly the
   * listed types are sent — except that `user.action` events are only ever sent when flagged.
   */
  events?: string[];
  /** Attempts per event, the first one included (default 5). */
  maxAttempts?: number;
  /** Per-attempt timeout in ms (default 10 000). */
  timeoutMs?: number;
  /** First retry delay in ms, doubled on each further retry, ±20 % jitter (default 500). */
  backoffMs?: number;
  /** Upper bound of one retry delay in ms, also for a receiver's `Retry-After` (default 30 000). */
  maxBackoffMs?: number;
  /**
   * The server's own events waiting or in flight for this URL; beyond it new ones are dropped and
   * logged (default 1000). App `user.action` events never count toward it.
   */
  maxQueue?: number;
  /**
   * App `user.action` events (`POST /mfa/audit`) waiting or in flight for this URL, in a queue of
   * their own, sent after the server's events (default 200).
   */
  maxAppQueue?: number;
  /** Deliveries in flight at once for this URL (default 4). */
  concurrency?: number;
}

/** The JSON body of a delivery. */
export interface WebhookPayload {
  /** The event id, also sent as `MFA-Webhook-Id`. */
  id: string;
  type: string;
  event: AuditEvent;
}

export const WEBHOOK_HEADERS = {
  id: 'MFA-Webhook-Id',
  timestamp: 'MFA-Webhook-Timestamp',
  signature: 'MFA-Webhook-Signature',
} as const;

export const WEBHOOK_DEFAULTS = {
  maxAttempts: 5,
  timeoutMs: 10_000,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  maxQueue: 1000,
  maxAppQueue: 200,
  concurrency: 4,
} as const;

/** Counters of one webhook, for health checks and tests. `url` is the origin only (paths may hold tokens). */
export interface WebhookStatus {
  url: string;
  queued: number;
  inFlight: number;
  delivered: number;
  /** Gave up: attempts exhausted or a non-retryable answer. */
  failed: number;
  /** Never attempted: queue full, or still waiting when the server closed. */
  dropped: number;
  /** HTTP requests made, retries included. */
  attempts: number;
}

/** Whether `config` sends `event` (see `WebhookConfig.events`). */
export function webhookWants(config: Pick<WebhookConfig, 'events'>, event: AuditEvent): boolean {
  if (event.type === 'user.action' && event.metadata?.webhookNotification !== true) return false;
  if (config.events) return config.events.includes(event.type);
  return event.type === 'user.action' || event.severity === 'warning' || event.severity === 'critical';
}

/** Delay before retry number `retry` (1 = after the first failed attempt): base·2^(retry-1), capped, ±20 %. */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exact = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exact * (0.8 + 0.4 * random()));
}

/** `Retry-After` in ms (seconds or HTTP date), or null. */
function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  if (/^[0-9]{1,9}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** A short, secret-free description of a delivery error. */
function describeError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timeout';
    const code = (err.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? code : err.name;
  }
  return typeof err;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref?.();
    signal.addEventListener('abort', done, { once: true });
  });
}

type Outcome = 'delivered' | 'failed' | 'aborted';

/** One of a receiver's two queues: the server's own events, or the app's `user.action` events. */
interface Lane {
  readonly name: 'server' | 'app';
  readonly queue: AuditEvent[];
  inFlight: number;
  /** Events of this lane waiting or in flight at most. */
  readonly max: number;
}

/** `user.action` events come from the app (`POST /mfa/audit`); everything else is the server's. */
const isAppEvent = (event: AuditEvent) => event.type === 'user.action';

/** One configured webhook: an `AuditSink` whose `write` only enqueues. */
export class WebhookSink implements AuditSink {
  readonly name: string;
  private readonly config: Required<Omit<WebhookConfig, 'events'>> & Pick<WebhookConfig, 'events'>;
  private readonly origin: string;
  private readonly server: Lane;
  private readonly app: Lane;
  private closed = false;
  private readonly abort = new AbortController();
  private idleWaiters: (() => void)[] = [];
  private readonly counters = { delivered: 0, failed: 0, dropped: 0, attempts: 0 };

  constructor(
    config: WebhookConfig,
    private readonly now: () => number,
    private readonly logger: AuditLogger,
  ) {
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new TypeError('audit.webhooks: `url` must be an absolute http(s) URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('audit.webhooks: `url` must be http(s)');
    if (typeof config.secret !== 'string' || config.secret.length < 16) {
      throw new TypeError('audit.webhooks: `secret` must be a string of at least 16 characters');
    }
    const positive = (name: keyof typeof WEBHOOK_DEFAULTS, min: number) => {
      const value = config[name] ?? WEBHOOK_DEFAULTS[name];
      if (!Number.isInteger(value) || value < min) throw new TypeError(`audit.webhooks: \`${name}\` must be an integer ≥ ${min}`);
      return value;
    };
    this.config = {
      url: config.url,
      secret: config.secret,
      events: config.events ? [...config.events] : undefined,
      maxAttempts: positive('maxAttempts', 1),
      timeoutMs: positive('timeoutMs', 1),
      backoffMs: positive('backoffMs', 0),
      maxBackoffMs: positive('maxBackoffMs', 0),
      maxQueue: positive('maxQueue', 1),
      maxAppQueue: positive('maxAppQueue', 1),
      concurrency: positive('concurrency', 1),
    };
    this.server = { name: 'server', queue: [], inFlight: 0, max: this.config.maxQueue };
    this.app = { name: 'app', queue: [], inFlight: 0, max: this.config.maxAppQueue };
    this.origin = url.origin;
    this.name = `webhook ${url.origin}`;
  }

  write(event: AuditEvent): void {
    if (!webhookWants(this.config, event)) return;
    // Each lane is bounded on its own: app events can only ever fill (and be dropped from) theirs.
    const lane = isAppEvent(event) ? this.app : this.server;
    if (this.closed || lane.queue.length + lane.inFlight >= lane.max) {
      this.counters.dropped++;
      this.logger.warn(
        { webhook: this.origin, eventId: event.id, eventType: event.type, queue: lane.name, reason: this.closed ? 'closed' : 'queue_full' },
        'mfa audit: webhook delivery dropped',
      );
      return;
    }
    lane.queue.push(event);
    this.pump();
  }

  status(): WebhookStatus {
    return { url: this.origin, queued: this.queued, inFlight: this.inFlight, ...this.counters };
  }

  private get queued(): number {
    return this.server.queue.length + this.app.queue.length;
  }

  private get inFlight(): number {
    return this.server.inFlight + this.app.inFlight;
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.queued === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops accepting events, waits up to `graceMs` for queued and in-flight deliveries, then
   * aborts the rest (counted and logged as dropped).
   */
  async shutdown(graceMs: number): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.idle().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (drained) return;
    const left = [...this.server.queue.splice(0), ...this.app.queue.splice(0)];
    this.counters.dropped += left.length;
    if (left.length > 0 || this.inFlight > 0) {
      this.logger.warn({ webhook: this.origin, dropped: left.length, aborted: this.inFlight, reason: 'closed' }, 'mfa audit: webhook deliveries abandoned at close');
    }
    this.abort.abort();
    await this.idle();
  }

  /**
   * The next lane to start a delivery from, or null. The server's events go first; app events
   * leave one of the `concurrency` slots to them (when there are two or more), so a receiver slow
   * on app events still takes the server's at once.
   */
  private nextLane(): Lane | null {
    const { concurrency } = this.config;
    if (this.inFlight >= concurrency) return null;
    if (this.server.queue.length > 0) return this.server;
    if (this.app.queue.length > 0 && this.app.inFlight < Math.max(1, concurrency - 1)) return this.app;
    return null;
  }

  private pump(): void {
    for (let lane = this.nextLane(); lane; lane = this.nextLane()) {
      const event = lane.queue.shift()!;
      const from = lane;
      from.inFlight++;
      void this.deliver(event)
        .catch(() => 'failed' as const) // deliver never throws; belt and braces
        .then((outcome) => {
          if (outcome === 'delivered') this.counters.delivered++;
          else if (outcome === 'failed') this.counters.failed++;
          else this.counters.dropped++;
        })
        .finally(() => {
          from.inFlight--;
          this.pump();
          if (this.queued === 0 && this.inFlight === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const resolve of waiters) resolve();
          }
        });
    }
  }

  private async deliver(event: AuditEvent): Promise<Outcome> {
    const { url, secret, maxAttempts, timeoutMs, backoffMs, maxBackoffMs } = this.config;
    const payload: WebhookPayload = { id: event.id, type: event.type, event };
    const body = JSON.stringify(payload);
    const log = (details: Record<string, unknown>, message: string) =>
      this.logger.warn({ webhook: this.origin, eventId: event.id, eventType: event.type, ...details }, message);

    for (let attempt = 1; ; attempt++) {
      if (this.abort.signal.aborted) return 'aborted';
      const timestamp = String(Math.floor(this.now() / 1000));
      let retryAfter: number | null = null;
      let problem: string;
      this.counters.attempts++;
      // One controller per attempt, aborted by its timeout or by close() (no AbortSignal.any:
      // nothing stays registered on the long-lived close signal after the attempt).
      const attemptAbort = new AbortController();
      const timer = setTimeout(() => attemptAbort.abort(new DOMException('timeout', 'TimeoutError')), timeoutMs);
      const onClose = () => attemptAbort.abort(this.abort.signal.reason);
      this.abort.signal.addEventListener('abort', onClose, { once: true });
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [WEBHOOK_HEADERS.id]: event.id,
            [WEBHOOK_HEADERS.timestamp]: timestamp,
            [WEBHOOK_HEADERS.signature]: signWebhook({ secret, body, timestamp, id: event.id }),
          },
          body,
          redirect: 'manual', // a signed POST is never re-sent elsewhere (or turned into a GET)
          signal: attemptAbort.signal,
        });
        await res.body?.cancel().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) return 'delivered';
        if (res.status !== 429 && res.status < 500) {
          log({ attempt, status: res.status, reason: 'not_retried' }, 'mfa audit: webhook refused the delivery');
          return 'failed';
        }
        problem = `http ${res.status}`;
        retryAfter = retryAfterMs(res.headers.get('retry-after'), Date.now());
      } catch (err) {
        if (this.abort.signal.aborted) return 'aborted';
        problem = attemptAbort.signal.aborted ? 'timeout' : describeError(err);
      } finally {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', onClose);
      }
      if (attempt >= maxAttempts) {
        log({ attempt, error: problem, reason: 'gave_up' }, 'mfa audit: webhook delivery failed');
        return 'failed';
      }
      let delay = backoffDelay(attempt, backoffMs, maxBackoffMs);
      if (retryAfter !== null) delay = Math.max(delay, Math.min(retryAfter, maxBackoffMs));
      await sleep(delay, this.abort.signal);
    }
  }
}
