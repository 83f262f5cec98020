/**
 * The Postgres store's writes whose answer nobody waits for — audit events and freshness
 * records — sent in groups, as the Redis store sends them without waiting (redis-link.ts) and
 * the SQLite store commits a turn's writes together (docs/performance.md "Postgres round trips").
 *
 * On Postgres every statement is a round trip and every write its own commit, which waits for
 * the WAL to reach the disk; a verification made three of them one after the other for these
 * records alone. Here they are queued and written together, one statement for all the requests
 * that queued some meanwhile, in the background of the request that made them. `flush()`, which
 * the HTTP app awaits before each answer leaves (stores/store.ts), resolves once everything
 * queued before it is committed, or throws (→ 503): no answer leaves as a success before its
 * records are stored. A group that failed goes back to the queue and is written by the next
 * one. Groups are written one at a time, in order, so a newer freshness record of a key is never
 * overtaken by an older one. This instance's own reads of these records (listFreshness,
 * listAuditEvents) and the freshness deletes first wait for what it has queued for them.
 */
import type { AuditEvent, FreshnessRecord } from './store.js';

/** Records queued beyond this are dropped (logged): an outage that long has answered 503 throughout. */
const MAX_QUEUED = 10_000;

interface Freshness {
  sub: string;
  session: string;
  record: FreshnessRecord;
  expiresAt: number;
}

/** One statement: the audit events in queue order (their `seq`), the freshness records upserted. */
const WRITE = `WITH audit AS (
  INSERT INTO audit_events (id, at, type, sub, resource, action, factor, severity, status, metadata, ip)
  SELECT id, at, type, sub, resource, action, factor, severity, status, metadata::json, ip
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
    WITH ORDINALITY AS e (id, at, type, sub, resource, action, factor, severity, status, metadata, ip, n)
  ORDER BY n
  -- A group sent again after a lost answer may have been committed the first time.
  ON CONFLICT (id) DO NOTHING
), fresh AS (
  INSERT INTO freshness (sub, session, resource, action, auth_time, acr, amr, expires_at)
  SELECT sub, session, resource, action, auth_time, acr, amr::json, expires_at
  FROM unnest($12::text[], $13::text[], $14::text[], $15::text[], $16::bigint[], $17::text[], $18::text[], $19::bigint[])
    AS f (sub, session, resource, action, auth_time, acr, amr, expires_at)
  ON CONFLICT (sub, session, resource, action) DO UPDATE SET
    auth_time = excluded.auth_time, acr = excluded.acr, amr = excluded.amr, expires_at = excluded.expires_at
)
SELECT 1`;

const freshnessKey = (f: Freshness) => JSON.stringify([f.sub, f.session, f.record.resource, f.record.action]);

export class PostgresWriteBehind {
  #audit: AuditEvent[] = [];
  /** Latest record per key: one group cannot upsert the same row twice. */
  #fresh = new Map<string, Freshness>();
  /** The freshness records of the group being written. */
  #writingFresh: Freshness[] = [];
  /** The last group written or being written: the next one starts after it. */
  #writing: Promise<void> = Promise.resolve();
  #scheduled = false;
  /** A group Postgres refused, for the next flush to throw. */
  #refused: unknown;

  constructor(private readonly run: (sql: string, params: unknown[]) => Promise<unknown>) {}

  audit(event: AuditEvent): void {
    if (this.#audit.length >= MAX_QUEUED) {
      this.#audit.shift();
      console.error('[mfa] Postgres: a queued audit event was dropped (Postgres unreachable for too long)');
    }
    this.#audit.push(event);
    this.#schedule();
  }

  freshness(sub: string, session: string, record: FreshnessRecord, expiresAt: number): void {
    const f = { sub, session, record, expiresAt };
    const key = freshnessKey(f);
    if (!this.#fresh.delete(key) && this.#fresh.size >= MAX_QUEUED) {
      this.#fresh.delete(this.#fresh.keys().next().value!);
      console.error('[mfa] Postgres: a queued freshness record was dropped (Postgres unreachable for too long)');
    }
    this.#fresh.set(key, f);
    this.#schedule();
  }

  /** Everything queued before this call is committed, or this throws. */
  async flush(): Promise<void> {
    await this.#write();
    // Refused while written by another call (the scheduled one, or another request's flush).
    if (this.#refused !== undefined) {
      const err = this.#refused;
      this.#refused = undefined;
      throw err;
    }
  }

  /** Writes what is queued now, after the groups before it. */
  #write(): Promise<void> {
    const next = this.#writing.catch(() => {}).then(() => this.#writeQueued());
    this.#writing = next;
    return next;
  }

  /** Waits for the freshness records of `sub` (of its `session`, when given) queued so far, if any. */
  async flushFreshness(sub: string, session?: string): Promise<void> {
    const mine = (f: Freshness) => f.sub === sub && (session === undefined || f.session === session);
    let pending = this.#writingFresh.some(mine);
    if (!pending) for (const f of this.#fresh.values()) if ((pending = mine(f))) break;
    if (pending) await this.flush();
  }

  /** Written at the next turn of the event loop even if nobody flushes (a write outside a request). */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      // A failure is the next flush's to report: a group not written went back to the queue
      // (that flush sends it again), a refused one is kept in #refused.
      this.#write().catch(() => {});
    });
  }

  async #writeQueued(): Promise<void> {
    if (this.#audit.length === 0 && this.#fresh.size === 0) return;
    const audit = this.#audit;
    const fresh = [...this.#fresh.values()];
    this.#audit = [];
    this.#fresh = new Map();
    this.#writingFresh = fresh;
    try {
      await this.#send(audit, fresh);
    } catch (err) {
      if (!refused(err)) {
        this.#requeue(audit, fresh);
        throw err;
      }
      // Postgres answered that it will never take this group (it would fail the same way every
      // time). Its records are written one by one, so one bad record costs no other its place.
      await this.#sendEach(audit, fresh);
    } finally {
      this.#writingFresh = [];
    }
  }

  /**
   * A refused group, record by record. One Postgres refuses alone is dropped (as a single write of
   * it would have failed), not retried forever, and the next flush reports it (theirs, or a later
   * one). A connection lost meanwhile puts the records not yet written back in the queue.
   */
  async #sendEach(audit: AuditEvent[], fresh: Freshness[]): Promise<void> {
    let dropped = 0;
    for (let i = 0; i < audit.length + fresh.length; i++) {
      try {
        await (i < audit.length ? this.#send([audit[i]!], []) : this.#send([], [fresh[i - audit.length]!]));
      } catch (err) {
        if (!refused(err)) {
          this.#requeue(audit.slice(i), fresh.slice(Math.max(0, i - audit.length)));
          throw err;
        }
        dropped++;
        this.#refused ??= err;
      }
    }
    if (dropped) console.error(`[mfa] Postgres refused ${dropped} audit event(s) or freshness record(s): ${(this.#refused as Error).message}`);
  }

  #send(audit: AuditEvent[], fresh: Freshness[]): Promise<unknown> {
    return this.run(WRITE, [
      ...columns(audit, (e) => [e.id, e.at, e.type, e.sub, e.resource ?? null, e.action ?? null, e.factor ?? null,
        e.severity, e.status, e.metadata === undefined ? null : JSON.stringify(e.metadata), e.ip ?? null], 11),
      ...columns(fresh, (f) => [f.sub, f.session, f.record.resource, f.record.action, f.record.authTime, f.record.acr,
        JSON.stringify(f.record.amr), f.expiresAt], 8),
    ]);
  }

  /** Back to the front of the queue, for the next group; a record of the same key queued since is newer. */
  #requeue(audit: AuditEvent[], fresh: Freshness[]): void {
    this.#audit = [...audit, ...this.#audit].slice(-MAX_QUEUED);
    const queued = this.#fresh;
    this.#fresh = new Map(fresh.map((f) => [freshnessKey(f), f]));
    for (const [key, f] of queued) {
      this.#fresh.delete(key);
      this.#fresh.set(key, f);
    }
  }
}

/**
 * Rows as `width` arrays of one column each (what `unnest` takes). Postgres text cannot hold
 * U+0000: in these records (an app's user or session id could carry one) it becomes U+FFFD, where
 * it would otherwise fail the whole group. A lookup keyed by such a string finds nothing anyway
 * (postgres-pool.ts `query`), so the freshness record is simply never found: a step-up is asked.
 */
function columns<T>(rows: T[], row: (r: T) => unknown[], width: number): unknown[][] {
  const out = Array.from({ length: width }, () => [] as unknown[]);
  for (const r of rows) {
    row(r).forEach((v, i) => out[i]!.push(typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v));
  }
  return out;
}

/**
 * An error Postgres answered that no retry would change: bad data (SQLSTATE class 22), a broken
 * constraint (23), a statement it cannot run (42). A connection failure, a timeout, a deadlock
 * or a shutting-down server is worth sending again.
 */
function refused(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|42)/.test(code);
}
