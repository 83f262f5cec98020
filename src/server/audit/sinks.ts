/**
 * Audit sinks (docs/operating.md "Audit events and webhooks"): where events go besides the store. The store is always written first
 * and stays the source of truth (`GET /demo/audit`, `mfa.context.audit.list`); every sink then
 * gets a frozen copy. A sink can neither fail nor slow the request that caused the event: its
 * errors (thrown or rejected) are reported to the audit logger, never to the caller, and its
 * promise is not awaited.
 */
import type pino from 'pino';
import { requirePeer } from '../peers.js';
import type { AuditEvent } from '../stores/store.js';
import type { WebhookConfig } from './webhooks.js';

export interface AuditSink {
  /**
   * Called once per event, synchronously right after the store write. Return quickly: do I/O
   * asynchronously and return its promise (it is tracked for `flush()`/`close()`, never awaited
   * by the request). The event is frozen.
   */
  write(event: AuditEvent): void | Promise<void>;
  /** Shown in error reports (default `sink #<index>`). */
  readonly name?: string;
  /** Called by `mfa.close()` after pending writes settle (or the grace time ends). */
  close?(): void | Promise<void>;
}

/**
 * Where sink and webhook failures are reported: pino-compatible (`logger.warn(details, message)`),
 * so a pino logger can be passed as is. Details name the sink, event id and type, attempt and
 * an error code — never the event's contents.
 */
export interface AuditLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface AuditOptions {
  /** Extra sinks, written in order after the store (e.g. `pinoSink()`). */
  sinks?: AuditSink[];
  /** Signed webhooks; each gets its own bounded queue (see `WebhookConfig`). */
  webhooks?: WebhookConfig[];
  /** Reports sink and delivery failures. Default: `console.warn`. */
  logger?: AuditLogger;
  /**
   * How long `mfa.close()` waits for unfinished sink writes and webhook deliveries (queued
   * ones included) before abandoning them, in ms (default 2000).
   */
  closeTimeoutMs?: number;
  /** Unfinished (async) writes per sink; beyond it that sink misses events, reported (default 1000). */
  maxPendingWrites?: number;
}

export const consoleAuditLogger: AuditLogger = {
  warn: (details, message) => console.warn(`[mfa] ${message}`, details),
};

export interface PinoSinkOptions {
  /** Where lines go (any `{ write(line) }` stream). Default: stdout. Ignored with `logger`. */
  destination?: pino.DestinationStream;
  /** An existing pino logger to write through (its own base fields and level apply). */
  logger?: pino.Logger;
  /** Minimum level (default `info`: every event). Severity maps info→info, warning→warn, critical→error. */
  level?: pino.LevelWithSilent;
  /** The `msg` of each line (default `mfa.audit`). */
  message?: string;
}

const LEVEL: Record<AuditEvent['severity'], 'info' | 'warn' | 'error'> = { info: 'info', warning: 'warn', critical: 'error' };

/**
 * One JSON line per event via pino: `{"level":"warn","id":…,"at":…,"type":…,…,"msg":"mfa.audit"}`.
 * The line holds the event's fields and nothing else (no pid, hostname, request or body).
 */
export function pinoSink(options: PinoSinkOptions = {}): AuditSink {
  // pino is loaded on first use, so a server without pinoSink needs no `pino` (docs/packaging.md).
  const pinoFn = (): typeof pino => requirePeer<typeof pino>('pino', 'pinoSink');
  const logger =
    options.logger ??
    pinoFn()(
      {
        level: options.level ?? 'info',
        base: null,
        timestamp: false, // the event's own `at` is the time
        formatters: { level: (label) => ({ level: label }) },
      },
      options.destination ?? pinoFn().destination(1),
    );
  const message = options.message ?? 'mfa.audit';
  return {
    name: 'pino',
    write(event) {
      logger[LEVEL[event.severity] ?? 'info']({ ...event }, message);
    },
    close() {
      // pino.destination(1) is synchronous by default; flush covers an async destination.
      if (!options.logger && !options.destination) logger.flush();
    },
  };
}
