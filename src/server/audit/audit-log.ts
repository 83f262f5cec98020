/**
 * Writes docs/operating.md "Audit events and webhooks" events. Callers pass only ids, names and counts: never a code, secret,
 * recovery code or token (the event type says what happened; metadata says how much).
 *
 * The store is written first and is the source of truth; a store failure fails the request
 * (fail closed) and the event goes nowhere else. Then every sink (custom ones, then webhooks)
 * gets a frozen copy, fire-and-forget: a sink's failure is logged, never thrown, never awaited.
 */
import { auditEventId } from './event-id.js';
import type { AuditEvent, MfaStore } from '../stores/store.js';
import { consoleAuditLogger, type AuditLogger, type AuditOptions, type AuditSink } from './sinks.js';
import { WebhookSink, type WebhookStatus } from './webhooks.js';

export type AuditInput = Omit<AuditEvent, 'id' | 'at' | 'severity' | 'status'> &
  Partial<Pick<AuditEvent, 'severity' | 'status'>>;

const DEFAULT_CLOSE_TIMEOUT_MS = 2000;
const DEFAULT_MAX_PENDING_WRITES = 1000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 200);

interface SinkSlot {
  sink: AuditSink;
  name: string;
  pending: Set<Promise<void>>;
}

export class AuditLog {
  private readonly slots: SinkSlot[];
  private readonly webhooks: WebhookSink[];
  private readonly logger: AuditLogger;
  private readonly closeTimeoutMs: number;
  private readonly maxPendingWrites: number;
  private closing: Promise<void> | undefined;
  /** Set on the views `forClient` returns: the client IP of the request they belong to. */
  private readonly clientIp?: string;

  constructor(
    private readonly store: MfaStore,
    private readonly now: () => number,
    options: AuditOptions = {},
  ) {
    this.logger = options.logger ?? consoleAuditLogger;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.maxPendingWrites = options.maxPendingWrites ?? DEFAULT_MAX_PENDING_WRITES;
    this.webhooks = (options.webhooks ?? []).map((config) => new WebhookSink(config, now, this.logger));
    this.slots = [...(options.sinks ?? []), ...this.webhooks].map((sink, i) => ({
      sink,
      name: sink.name ?? `sink #${i}`,
      pending: new Set(),
    }));
  }

  /**
   * This log as one HTTP request sees it: every event recorded through it carries the request's
   * client IP unless the caller gave one (http/app.ts hands it to the services in the request's
   * context). A view over the same sinks and store, not a copy: it costs one object per request,
   * where carrying the IP through every `await` in AsyncLocalStorage taxed every promise of the
   * whole process, the host app's included (docs/performance.md).
   */
  forClient(ip: string): AuditLog {
    return Object.create(this, { clientIp: { value: ip } }) as AuditLog;
  }

  async record(input: AuditInput): Promise<void> {
    const event: AuditEvent = {
      severity: 'info',
      status: 'success',
      ...input,
      // Every event written during an HTTP request carries its client IP (`forClient`),
      // unless the caller gave one.
      ip: input.ip ?? this.clientIp,
      id: auditEventId(this.now()),
      at: new Date(this.now()).toISOString(),
    };
    // `metadata: undefined` and the like: absent, as every store and JSON sink would show it.
    for (const key of Object.keys(event) as (keyof AuditEvent)[]) if (event[key] === undefined) delete event[key];
    await this.store.appendAuditEvent(event);
    this.fanOut(event);
  }

  list(sub: string, limit = 100): Promise<AuditEvent[]> {
    return this.store.listAuditEvents(sub, limit);
  }

  /** Counters of each configured webhook (`url` is the origin only). */
  webhookStatus(): WebhookStatus[] {
    return this.webhooks.map((w) => w.status());
  }

  /**
   * Resolves once every unfinished sink write has settled and every webhook queue is empty
   * (deliveries done or given up), or after `timeoutMs`. True when everything settled.
   */
  async flush(timeoutMs = 30_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const settled = async () => {
      // New work may be queued while waiting (a sink's write may record nothing, but a
      // webhook retry keeps its queue busy): loop until a pass finds nothing pending.
      for (;;) {
        const pending = this.slots.flatMap((s) => [...s.pending]);
        const busy = this.webhooks.filter((w) => w.status().queued + w.status().inFlight > 0);
        if (pending.length === 0 && busy.length === 0) return true;
        await Promise.allSettled([...pending, ...busy.map((w) => w.idle())]);
      }
    };
    try {
      return await Promise.race([
        settled(),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Called by `mfa.close()`: waits up to `closeTimeoutMs` for unfinished sink writes and webhook
   * deliveries, abandons what is left (logged), then closes the sinks. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const deadline = Date.now() + this.closeTimeoutMs;
      await Promise.all(this.webhooks.map((w) => w.shutdown(this.closeTimeoutMs)));
      await this.flush(Math.max(0, deadline - Date.now()));
      for (const slot of this.slots) {
        if (slot.sink instanceof WebhookSink || !slot.sink.close) continue;
        try {
          await slot.sink.close();
        } catch (err) {
          this.logger.warn({ sink: slot.name, error: errorText(err) }, 'mfa audit: sink failed to close');
        }
      }
    })();
    return this.closing;
  }

  private fanOut(event: AuditEvent): void {
    if (this.slots.length === 0) return;
    let copy: AuditEvent;
    try {
      copy = deepFreeze(structuredClone(event));
    } catch (err) {
      this.logger.warn({ eventId: event.id, eventType: event.type, error: errorText(err) }, 'mfa audit: event could not be copied for sinks');
      return;
    }
    for (const slot of this.slots) {
      const report = (err: unknown, reason: string) =>
        this.logger.warn({ sink: slot.name, eventId: event.id, eventType: event.type, reason, error: errorText(err) }, 'mfa audit: sink failed');
      if (slot.pending.size >= this.maxPendingWrites) {
        this.logger.warn({ sink: slot.name, eventId: event.id, eventType: event.type, reason: 'too_many_pending_writes' }, 'mfa audit: sink skipped');
        continue;
      }
      try {
        const result = slot.sink.write(copy);
        if (result && typeof (result as Promise<void>).then === 'function') {
          const tracked: Promise<void> = Promise.resolve(result)
            .catch((err) => report(err, 'rejected'))
            .finally(() => slot.pending.delete(tracked));
          slot.pending.add(tracked);
        }
      } catch (err) {
        report(err, 'threw');
      }
    }
  }
}
