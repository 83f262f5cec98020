/**
 * Redis store for several app instances (docs/architecture.md "Stores"). Every rule that must hold across instances
 * — replay marks, failure counters and locks, single-use recovery codes and challenges, the one
 * signing key — is one atomic Redis command or Lua script (redis-scripts.ts).
 *
 * Keys: `<prefix>{u:<sub>}:…` for a user's data (one hash tag per user, so each script touches one
 * Redis Cluster slot), `<prefix>{c:<id>}` per challenge, `<prefix>{keys}:signing` for the key.
 * Ephemeral data (challenges, failure counters, freshness) carries a TTL; factors, recovery code
 * hashes, the signing key and audit events are durable — run Redis with persistence (AOF) if it
 * is the only store (docs/operating.md).
 *
 * Fail closed: the client does not queue commands while disconnected, so an outage makes every
 * call throw at once (→ 503) instead of hanging, and the client reconnects by itself; a Redis that
 * stops answering fails each call after 5 s. How calls are sent, timed and (for writes nobody
 * waits on) deferred to `flush()` is redis-link.ts.
 */
import type { createClient } from 'redis';
import { requirePeer } from '../peers.js';
import { ATTEMPT_HOLD_MS, type AttemptOutcome } from './failure-math.js';
import { RedisLink } from './redis-link.js';
import type {
  AttemptGrant, AuditEvent, FailurePolicy, FailureState, FreshnessRecord, MfaStore, SigningKeyRecord, StoredChallenge, StoredFactor,
} from './store.js';

type Client = ReturnType<typeof createClient>;

export interface RedisStoreOptions {
  /** `redis://127.0.0.1:6379`, `rediss://…` */
  url?: string;
  /** Prepended to every key (default `mfa:`), so several apps can share one Redis. */
  prefix?: string;
  /** An already configured client (then `url` is ignored; the store does not own it). */
  client?: Client;
}

/** Extra lifetime of ephemeral keys beyond their logical expiry, so clock skew never cuts one short. */
const GRACE_MS = 60_000;
const FAILURE_TTL_MS = 48 * 3600_000;
/** How long a call waits for Redis before it fails (the client's own default). */
const CALL_TIMEOUT_MS = 5_000;
const enc = encodeURIComponent;

export class RedisStore implements MfaStore {
  readonly #client: Client;
  readonly #owned: boolean;
  readonly #p: string;
  readonly #link: RedisLink;

  private constructor(client: Client, owned: boolean, prefix: string) {
    this.#client = client;
    this.#owned = owned;
    this.#p = prefix;
    this.#link = new RedisLink(client, CALL_TIMEOUT_MS);
  }

  static async connect(options: RedisStoreOptions = {}): Promise<RedisStore> {
    const client =
      options.client ??
      // Loaded on first use, so a SQLite-only server needs no `redis` (docs/packaging.md).
      requirePeer<{ createClient: typeof createClient }>('redis', 'RedisStore').createClient({
        url: options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        disableOfflineQueue: true,
        // No per-command timer: RedisLink bounds every call with one shared timer instead.
        commandOptions: { timeout: 0 },
        socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) },
      });
    // Without a listener, a connection error would crash the process; the store reports it per call.
    client.on('error', () => {});
    if (!client.isOpen) await client.connect();
    return new RedisStore(client, !options.client, options.prefix ?? 'mfa:');
  }

  // Key names
  #u(sub: string) { return `${this.#p}{u:${enc(sub)}}`; }
  #factor(sub: string, id: string) { return `${this.#u(sub)}:f:${enc(id)}`; }
  #challenge(id: string) { return `${this.#p}{c:${enc(id)}}`; }

  #run(...args: Parameters<RedisLink['run']>) { return this.#link.run(...args); }
  /** HGETALL as a plain object, sent raw (the hot reads skip the client's command layer). */
  async #hash(key: string): Promise<Record<string, string>> {
    const reply = (await this.#link.send(['HGETALL', key])) as string[] | Map<string, string> | Record<string, string>;
    if (reply instanceof Map) return Object.fromEntries(reply);
    if (!Array.isArray(reply)) return reply;
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) h[reply[i]!] = reply[i + 1]!;
    return h;
  }

  /** A client call, failing when Redis does not answer in time. */
  #c<T>(p: Promise<T>): Promise<T> { return this.#link.call(p); }

  // Factors

  async insertFactor(f: StoredFactor): Promise<void> {
    const fields = {
      id: f.id, sub: f.sub, type: f.type, label: f.label, secretEnc: f.secretEnc, algorithm: f.algorithm,
      digits: f.digits, period: f.period, confirmed: f.confirmed ? 1 : 0, createdAt: f.createdAt,
      lastUsedAt: f.lastUsedAt ?? '', lastStep: f.lastStep,
    };
    await this.#run('INSERT_FACTOR', [this.#factor(f.sub, f.id), `${this.#u(f.sub)}:fidx`, `${this.#u(f.sub)}:seq`],
      [f.id, f.createdAt, ...Object.entries(fields).flat()]);
  }

  async getFactor(sub: string, id: string): Promise<StoredFactor | null> {
    const h = await this.#hash(this.#factor(sub, id));
    return h.id ? toFactor(h) : null;
  }

  async listFactors(sub: string): Promise<StoredFactor[]> {
    // One script: the index and every hash it names (redis-scripts.ts LIST_FACTORS).
    const flat = (await this.#run('LIST_FACTORS', [`${this.#u(sub)}:fidx`], [this.#factor(sub, '')])) as string[][];
    const rows = flat.map((pairs) => {
      const h: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) h[pairs[i]!] = pairs[i + 1]!;
      return h;
    });
    return rows.filter((h) => h && h.id).sort((a, b) => Number(a.createdAt) - Number(b.createdAt) || Number(a.seq) - Number(b.seq)).map(toFactor);
  }

  async confirmFactor(sub: string, id: string, recoveryHashes?: string[]): Promise<boolean> {
    const args = recoveryHashes ? ['1', ...recoveryHashes] : ['0'];
    return (await this.#run('CONFIRM_FACTOR', [this.#factor(sub, id), `${this.#u(sub)}:rc`], args)) === 1;
  }

  async renameFactor(sub: string, id: string, label: string): Promise<boolean> {
    return (await this.#run('RENAME_FACTOR', [this.#factor(sub, id)], [label])) === 1;
  }

  async touchFactor(sub: string, id: string, at: number): Promise<boolean> {
    return (await this.#run('TOUCH_FACTOR', [this.#factor(sub, id)], [at])) === 1;
  }

  async deleteFactor(sub: string, id: string): Promise<boolean> {
    const [deleted] = (await this.#c(this.#client.multi().del(this.#factor(sub, id)).zRem(`${this.#u(sub)}:fidx`, id).exec())) as unknown as number[];
    return deleted === 1;
  }

  async deletePendingFactors(sub: string, olderThan: number): Promise<number> {
    let n = 0;
    for (const f of await this.listFactors(sub)) {
      if (!f.confirmed && f.createdAt < olderThan && (await this.deleteFactor(sub, f.id))) n++;
    }
    return n;
  }

  async advanceLastStep(sub: string, id: string, step: number, at: number): Promise<boolean> {
    return (await this.#run('ADVANCE_LAST_STEP', [this.#factor(sub, id)], [step, at])) === 1;
  }

  // Failures

  async getFailureState(sub: string, key: string): Promise<FailureState> {
    const h = await this.#hash(`${this.#u(sub)}:x:${enc(key)}`);
    return { failures: Number(h.failures ?? 0), lockedUntil: Number(h.lockedUntil ?? 0), lockCount: Number(h.lockCount ?? 0) };
  }

  async recordFailure(sub: string, key: string, now: number, policy: FailurePolicy): Promise<FailureState> {
    const [failures, lockedUntil, lockCount] = (await this.#run('RECORD_FAILURE', [`${this.#u(sub)}:x:${enc(key)}`], [
      now, policy.maxFailures, policy.baseLockMs, policy.maxLockMs ?? -1, FAILURE_TTL_MS,
    ])) as string[];
    return { failures: Number(failures), lockedUntil: Number(lockedUntil), lockCount: Number(lockCount) };
  }

  async resetFailures(sub: string, key: string): Promise<void> {
    await this.#c(this.#client.del(`${this.#u(sub)}:x:${enc(key)}`));
  }

  async resetFailuresByPrefix(sub: string, prefix: string): Promise<number> {
    // An admin operation, rare: SCAN the user's failure keys (glob characters escaped, so the
    // prefix and the user id match literally).
    const glob = `${this.#u(sub)}:x:${enc(prefix)}`.replace(/[*?[\]\\]/g, '\\$&');
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = (await this.#link.send(['SCAN', cursor, 'MATCH', `${glob}*`, 'COUNT', '500'])) as [string, string[]];
      cursor = next;
      if (keys.length) n += Number(await this.#link.send(['DEL', ...keys]));
    } while (cursor !== '0');
    return n;
  }

  async beginAttempt(sub: string, key: string, now: number, policy: FailurePolicy): Promise<AttemptGrant> {
    const r = (await this.#run('BEGIN_ATTEMPT', [`${this.#u(sub)}:x:${enc(key)}`], [now, policy.maxFailures, ATTEMPT_HOLD_MS, FAILURE_TTL_MS])) as (number | string)[];
    return Number(r[0]) === 1 ? { ok: true } : { ok: false, reason: r[1] as 'locked' | 'busy', retryAt: Number(r[2]) };
  }

  async settleAttempt(sub: string, key: string, now: number, policy: FailurePolicy, outcome: AttemptOutcome): Promise<FailureState> {
    const [failures, lockedUntil, lockCount] = (await this.#run('SETTLE_ATTEMPT', [`${this.#u(sub)}:x:${enc(key)}`], [
      now, policy.maxFailures, policy.baseLockMs, policy.maxLockMs ?? -1, FAILURE_TTL_MS, outcome,
    ])) as string[];
    return { failures: Number(failures), lockedUntil: Number(lockedUntil), lockCount: Number(lockCount) };
  }

  // Recovery codes

  async replaceRecoveryCodes(sub: string, hashes: string[]): Promise<void> {
    const multi = this.#client.multi().del(`${this.#u(sub)}:rc`);
    if (hashes.length) multi.sAdd(`${this.#u(sub)}:rc`, hashes);
    await this.#c(multi.exec());
  }

  async consumeRecoveryCode(sub: string, hash: string): Promise<boolean> {
    return (await this.#c(this.#client.sRem(`${this.#u(sub)}:rc`, hash))) === 1;
  }

  countRecoveryCodes(sub: string): Promise<number> {
    return this.#link.send(['SCARD', `${this.#u(sub)}:rc`]) as Promise<number>;
  }

  async deleteRecoveryCodes(sub: string): Promise<void> {
    await this.#c(this.#client.del(`${this.#u(sub)}:rc`));
  }

  // Challenges

  async insertChallenge(c: StoredChallenge): Promise<void> {
    const ttl = Math.max(1, c.expiresAt - c.createdAt) + GRACE_MS;
    const inserted = this.#run('INSERT_CHALLENGE', [this.#challenge(c.id)], [JSON.stringify(c), ttl]);
    // The expiry index lives in its own slot; it only serves cleanup, so it need not be atomic with
    // the challenge: sent with it (one round trip), awaited by `flush()`.
    this.#link.later(() => this.#client.zAdd(`${this.#p}{challenges}:expiry`, { score: c.expiresAt, value: c.id }));
    await inserted;
  }

  async getChallenge(id: string): Promise<StoredChallenge | null> {
    const json = (await this.#link.send(['GET', this.#challenge(id)])) as string | null;
    return json ? (JSON.parse(json) as StoredChallenge) : null;
  }

  async updateChallenge(next: StoredChallenge, expectedState: string | undefined): Promise<boolean> {
    const args = [next.factorId, next.stepGuid, next.state ?? '', expectedState ?? ''];
    return (await this.#run('UPDATE_CHALLENGE', [this.#challenge(next.id)], args)) === 1;
  }

  async deleteChallenge(id: string): Promise<boolean> {
    return (await this.#link.send(['DEL', this.#challenge(id)])) === 1;
  }

  async deleteExpiredChallenges(now: number): Promise<number> {
    const index = `${this.#p}{challenges}:expiry`;
    const ids = await this.#c(this.#client.zRangeByScore(index, '-inf', now));
    let n = 0;
    for (const id of ids) n += await this.#c(this.#client.del(this.#challenge(id)));
    if (ids.length) await this.#c(this.#client.zRem(index, ids));
    return n;
  }

  // Freshness

  async putFreshness(sub: string, session: string, record: FreshnessRecord, expiresAt: number): Promise<void> {
    const ttl = Math.max(1, expiresAt - record.authTime * 1000) + GRACE_MS;
    const field = `${enc(record.resource)}|${enc(record.action)}`;
    const keys = [`${this.#u(sub)}:fr:${enc(session)}`, `${this.#u(sub)}:frs`];
    const args = [field, JSON.stringify({ record, expiresAt }), ttl, session];
    // Nobody reads the answer: written before the HTTP answer leaves (`flush`), seen by every later command.
    this.#link.later(() => this.#run('PUT_FRESHNESS', keys, args));
  }

  async listFreshness(sub: string, session: string, now: number): Promise<FreshnessRecord[]> {
    const key = `${this.#u(sub)}:fr:${enc(session)}`;
    const all = Object.entries(await this.#c(this.#client.hGetAll(key))).map(([field, json]) => ({ field, ...(JSON.parse(json) as { record: FreshnessRecord; expiresAt: number }) }));
    const expired = all.filter((e) => e.expiresAt <= now).map((e) => e.field);
    if (expired.length) await this.#c(this.#client.hDel(key, expired));
    return all.filter((e) => e.expiresAt > now).map((e) => e.record);
  }

  async clearFreshness(sub: string, session?: string): Promise<void> {
    const sessions = session === undefined ? await this.#c(this.#client.sMembers(`${this.#u(sub)}:frs`)) : [session];
    const multi = this.#client.multi();
    for (const s of sessions) multi.del(`${this.#u(sub)}:fr:${enc(s)}`).sRem(`${this.#u(sub)}:frs`, s);
    await this.#c(multi.exec());
  }

  // Session revocation

  async revokeSession(sub: string, session: string, at: number, expiresAt: number): Promise<void> {
    await this.#run('REVOKE_SESSION', [`${this.#u(sub)}:rv:${enc(session)}`], [at, Math.max(1, expiresAt - at) + GRACE_MS]);
  }

  async sessionRevokedAt(sub: string, session: string): Promise<number> {
    return Number((await this.#link.send(['GET', `${this.#u(sub)}:rv:${enc(session)}`])) ?? 0);
  }

  // Rate limits

  async hitRateLimit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }> {
    const resetAt = (Math.floor(now / windowMs) + 1) * windowMs;
    const k = `${this.#p}{rl:${enc(key)}}:${resetAt}`;
    const count = Number(await this.#run('HIT_RATE_LIMIT', [k], [windowMs + GRACE_MS]));
    return { count, resetAt };
  }

  // One-time tokens

  async useTokenOnce(jti: string, expiresAt: number, now: number): Promise<boolean> {
    const ttl = Math.max(1, expiresAt - now) + GRACE_MS;
    return (await this.#c(this.#client.set(`${this.#p}{jti:${enc(jti)}}`, '1', { condition: 'NX', expiration: { type: 'PX', value: ttl } }))) === 'OK';
  }

  async isTokenUsed(jti: string): Promise<boolean> {
    // The mark expires by its TTL (a grace minute after the token), like a row past `expires_at`.
    return (await this.#c(this.#client.exists(`${this.#p}{jti:${enc(jti)}}`))) === 1;
  }

  // Signing keys

  async getOrInsertSigningKey(candidate: SigningKeyRecord): Promise<SigningKeyRecord> {
    const key = `${this.#p}{keys}:signing`;
    await this.#c(this.#client.set(key, JSON.stringify(candidate), { condition: 'NX' }));
    return JSON.parse((await this.#c(this.#client.get(key)))!) as SigningKeyRecord;
  }

  // Later keys (rotation) live in a hash beside the first one; retirements in their own hash, so
  // the first key's record never has to be rewritten. All three share the `{keys}` slot.
  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    const [first, ring, retire] = (await this.#c(this.#client.multi()
      .get(`${this.#p}{keys}:signing`).hGetAll(`${this.#p}{keys}:ring`).hGetAll(`${this.#p}{keys}:retire`)
      .exec())) as unknown as [string | null, Record<string, string>, Record<string, string>];
    const all = [...(first ? [first] : []), ...Object.values(ring)].map((j) => JSON.parse(j) as SigningKeyRecord);
    for (const k of all) if (retire[k.kid] !== undefined) k.retireAt = Number(retire[k.kid]);
    return all.sort((a, b) => a.createdAt - b.createdAt);
  }

  async insertSigningKey(record: SigningKeyRecord): Promise<void> {
    const { retireAt, ...rest } = record;
    if (!(await this.#c(this.#client.hSetNX(`${this.#p}{keys}:ring`, record.kid, JSON.stringify(rest))))) throw new Error(`signing key ${record.kid} already exists`);
    if (retireAt !== undefined) await this.retireSigningKey(record.kid, retireAt);
  }

  async retireSigningKey(kid: string, retireAt: number): Promise<boolean> {
    const keys = [`${this.#p}{keys}:signing`, `${this.#p}{keys}:ring`, `${this.#p}{keys}:retire`];
    return (await this.#run('RETIRE_SIGNING_KEY', keys, [kid, retireAt])) === 1;
  }

  // Audit

  async appendAuditEvent(event: AuditEvent): Promise<void> {
    const u = this.#u(event.sub);
    const keys = [`${u}:auids`, `${u}:au`, `${u}:seq`];
    const args = [event.id, Date.parse(event.at), JSON.stringify(event)];
    // Nobody reads the answer: written before the HTTP answer leaves (`flush`), seen by every later command.
    this.#link.later(() => this.#run('APPEND_AUDIT', keys, args));
  }

  async listAuditEvents(sub: string, limit: number): Promise<AuditEvent[]> {
    const n = Number.isNaN(limit) ? 0 : Math.max(0, Math.min(Math.trunc(limit), 10_000));
    if (n === 0) return [];
    const members = await this.#c(this.#client.zRange(`${this.#u(sub)}:au`, '+inf', '-inf', { BY: 'SCORE', REV: true, LIMIT: { offset: 0, count: n } }));
    return members.map((m) => JSON.parse(m.slice(m.indexOf('\n') + 1)) as AuditEvent);
  }

  /** Waits for the writes sent without waiting (audit events, freshness, the expiry index). */
  flush(): Promise<void> {
    return this.#link.flush();
  }

  async close(): Promise<void> {
    await this.#link.close();
    if (this.#owned && this.#client.isOpen) await this.#client.close();
  }
}

function toFactor(h: Record<string, string>): StoredFactor {
  return {
    id: h.id, sub: h.sub, type: h.type as StoredFactor['type'], label: h.label, secretEnc: h.secretEnc,
    algorithm: h.algorithm as StoredFactor['algorithm'], digits: Number(h.digits), period: Number(h.period),
    confirmed: h.confirmed === '1', createdAt: Number(h.createdAt),
    lastUsedAt: h.lastUsedAt === '' ? null : Number(h.lastUsedAt), lastStep: Number(h.lastStep),
  };
}
