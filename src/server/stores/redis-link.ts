/**
 * How the Redis store talks to Redis (docs/operating.md "Fail closed, and coming back"): on Redis,
 * what a verification costs beyond the memory store is mostly per command and per round trip in
 * the client, so this file keeps both down.
 *
 * - Scripts run by EVALSHA, sent as raw commands (the first time on a connection by EVAL).
 * - One timer bounds every call: a call Redis has not answered after `timeoutMs` fails (→ 503),
 *   as the client's own per-command timeout would, without a timer and an AbortSignal per command
 *   (the client is created with that timeout off).
 * - Writes whose answer no caller needs (audit events, freshness records, the challenge expiry
 *   index) go out at once, on the same connection as everything else — so every later command
 *   sees them — but are awaited only by `flush()`, which the HTTP app calls before each answer
 *   leaves (stores/store.ts). A write that failed stays queued and is sent again by the next
 *   `flush()`; `flush()` throws while any is still not written, so no answer leaves as a success
 *   before its writes are in Redis. One that Redis itself refused (an error reply) is not
 *   retried: the next `flush()` throws it.
 */
import type { createClient } from 'redis';
import { createHash } from 'node:crypto';
import { SCRIPTS, type ScriptName } from './redis-scripts.js';

type Client = ReturnType<typeof createClient>;

/** A write sent without waiting, kept until it is in Redis. */
interface Deferred {
  write: () => Promise<unknown>;
  /** The latest sending: true once written. */
  attempt: Promise<boolean>;
}

interface Open {
  tick: number;
  reject: (err: Error) => void;
}

/** What Redis calls each script (the SHA-1 of its text). */
const SHAS = Object.fromEntries(Object.entries(SCRIPTS).map(([name, text]) => [name, createHash('sha1').update(text).digest('hex')])) as Record<ScriptName, string>;

/** Queued writes beyond this are dropped (logged): an outage that long has answered 503 throughout. */
const MAX_QUEUED_WRITES = 10_000;

export class RedisLink {
  readonly #client: Client;
  readonly #timeoutTicks: number;
  readonly #open = new Set<Open>();
  /** Scripts sent (EVAL) on this connection since it was last (re)opened. */
  readonly #known = new Set<ScriptName>();
  #tick = 0;
  #timer: NodeJS.Timeout | undefined;
  #deferred = new Set<Deferred>();
  #refused: unknown;

  constructor(client: Client, timeoutMs: number) {
    this.#client = client;
    this.#timeoutTicks = Math.max(1, Math.ceil(timeoutMs / 1000));
    // A new connection may be to a restarted Redis that has forgotten every script.
    client.on('ready', () => this.#known.clear());
  }

  /** `p`, failing once it has waited longer than the timeout (one shared 1 s timer). */
  call<T>(p: Promise<T>): Promise<T> {
    this.#timer ??= setInterval(() => this.#expire(), 1000).unref();
    return new Promise<T>((resolve, reject) => {
      const entry: Open = { tick: this.#tick, reject };
      this.#open.add(entry);
      p.then(
        (value) => { this.#open.delete(entry); resolve(value); },
        (err: unknown) => { this.#open.delete(entry); reject(err); },
      );
    });
  }

  #expire(): void {
    this.#tick++;
    for (const entry of this.#open) {
      if (this.#tick - entry.tick > this.#timeoutTicks) {
        this.#open.delete(entry);
        entry.reject(new Error('Redis did not answer in time'));
      }
    }
  }

  /** One raw command, bounded in time. */
  send(args: string[]): Promise<unknown> {
    return this.call(this.#client.sendCommand(args));
  }

  /**
   * A script, issued at once like any other command, so it is ordered with the commands around it
   * (a deferred write before a read of the same data). The first use on a connection sends the
   * text (EVAL, which also makes Redis keep it); later ones only its SHA-1 (EVALSHA). If Redis
   * forgot it anyway (SCRIPT FLUSH), NOSCRIPT → EVAL.
   */
  async run(name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    const known = this.#known.has(name);
    const argv = [known ? 'EVALSHA' : 'EVAL', known ? SHAS[name] : SCRIPTS[name], String(keys.length), ...keys];
    for (const a of args) argv.push(String(a));
    const sent = this.send(argv);
    this.#known.add(name);
    try {
      return await sent;
    } catch (err) {
      if (!(known && err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      argv[0] = 'EVAL';
      argv[1] = SCRIPTS[name];
      return this.send(argv);
    }
  }

  /** Sends a write now; its outcome is `flush()`'s business. `write` must be safe to send twice. */
  later(write: () => Promise<unknown>): void {
    if (this.#deferred.size >= MAX_QUEUED_WRITES) {
      const oldest = this.#deferred.values().next().value!;
      this.#deferred.delete(oldest);
      console.error('[mfa] Redis: a queued write was dropped (Redis unreachable for too long)');
    }
    const entry: Deferred = { write, attempt: Promise.resolve(false) };
    this.#deferred.add(entry);
    this.#send(entry);
  }

  #send(entry: Deferred): void {
    entry.attempt = entry.write().then(
      () => { this.#deferred.delete(entry); return true; },
      (err: unknown) => {
        // Redis answered with an error (a script refused it): sending it again would not help.
        if (isErrorReply(err)) {
          this.#deferred.delete(entry);
          this.#refused ??= err;
          return true;
        }
        return false; // not written (connection): stays queued
      },
    );
  }

  /** True once `entry` is written; a failed sending is repeated once (unless another flush already did). */
  async #ensure(entry: Deferred): Promise<boolean> {
    const first = entry.attempt;
    if (await first) return true;
    if (entry.attempt === first) this.#send(entry);
    return entry.attempt;
  }

  /** Every write sent before this call is in Redis, or this throws (→ 503). */
  async flush(): Promise<void> {
    if (this.#deferred.size > 0) {
      const written = await Promise.all([...this.#deferred].map((d) => this.#ensure(d)));
      if (written.includes(false)) throw new Error('Redis: writes not stored');
    }
    if (this.#refused !== undefined) {
      const err = this.#refused;
      this.#refused = undefined;
      throw err;
    }
  }

  /** Stops the timer; pending writes are flushed first when possible. */
  async close(): Promise<void> {
    await this.flush().catch(() => {});
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * An error reply from Redis itself (the client's ErrorReply and its subclasses, e.g. SimpleError
 * for a script's error), as opposed to a connection failure. By class name along the prototype
 * chain: the `redis` package is loaded only when a RedisStore connects (docs/packaging.md).
 */
function isErrorReply(err: unknown): boolean {
  for (let proto = err instanceof Error ? Object.getPrototypeOf(err) : null; proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === 'ErrorReply') return true;
  }
  return false;
}
