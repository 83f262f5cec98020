import type { AttemptOutcome } from './failure-math.js';

/**
 * The one storage interface every backend implements (memory, SQLite, Redis).
 * `test/server/store-conformance.ts` is the contract: each implementation runs it unchanged.
 *
 * Stores never see secrets in clear: TOTP secrets and private signing keys arrive already
 * encrypted (server/crypto/secret-box.ts). Recovery codes arrive hashed.
 * Every method that guards a security rule is atomic on its own (one compare-and-set), so
 * several app instances sharing one database cannot both accept a code.
 */

/**
 * `phone` and `email` receive one-time codes; `webauthn` is a passkey or security key. Stores
 * keep any type (no CHECK): a factor type is the registry's business, and an app may add its own.
 */
export type StoredFactorType = 'totp' | 'phone' | 'email' | 'webauthn' | (string & {});
export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface StoredFactor {
  id: string;
  sub: string;
  type: StoredFactorType;
  label: string;
  /**
   * Encrypted with the server's secret box; opaque to the store. TOTP: the secret; phone/email:
   * the number or address (personal data, so sealed too); webauthn: the credential JSON.
   */
  secretEnc: string;
  algorithm: TotpAlgorithm;
  digits: number;
  period: number;
  /** False until the user proved possession with a first code. */
  confirmed: boolean;
  createdAt: number;
  lastUsedAt: number | null;
  /**
   * Highest TOTP time step accepted so far (-1 before the first); for webauthn the signature
   * counter; for an HOTP token the counter of the last accepted code. The same compare-and-set
   * guards them all.
   */
  lastStep: number;
}

export interface FailureState {
  /** Consecutive failures since the last success or lock. */
  failures: number;
  /** Epoch ms until which the pair is locked (0 when never locked); callers compare it with now. */
  lockedUntil: number;
  /** How many times the pair has been locked (the lock doubles each time). */
  lockCount: number;
}

export interface StoredChallenge {
  id: string;
  sub: string;
  resource: string;
  action: string;
  /**
   * The stored factor being verified, or '' when the challenge is not bound to one (recovery
   * codes, KBA, choosing among several phones or passkeys). What answers it is `state.kind`.
   */
  factorId: string;
  stepGuid: string;
  reason?: string;
  createdAt: number;
  expiresAt: number;
  /**
   * The verifier's own progress (JSON `{kind, …}`, opaque to the store): which factor step
   * answers it, the hashed code sent by SMS/email, which step of a multi-step flow is asked, the
   * WebAuthn challenge. Changed only through `updateChallenge`'s compare-and-set.
   */
  state?: string;
  /** The transaction the user approves (label → value), as shown in the prompt; set at insert, never changed. */
  details?: Record<string, string>;
  /** Digest of `{ action, details, resource }` (server/binding.ts); the token's `txn`. */
  binding?: string;
}

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  /** Public JWK as JSON. */
  publicJwk: string;
  /** Private JWK, encrypted by the secret box. */
  privateJwkEnc: string;
  createdAt: number;
  /** When it starts signing (ms); absent: at `createdAt`. Published in the JWKS before that. */
  activateAt?: number;
  /** When it stops being published and accepted (ms); absent: never. */
  retireAt?: number;
}

/** `beginAttempt`'s answer: granted, or refused with why and until when (epoch ms). */
export type AttemptGrant = { ok: true } | { ok: false; reason: 'locked' | 'busy'; retryAt: number };

export interface FailurePolicy {
  /** Consecutive failures that lock the pair. */
  maxFailures: number;
  /** First lock duration in ms; each further lock doubles it. */
  baseLockMs: number;
  /** Longest single lock in ms, so a stranger who keeps failing cannot lock a user out for months. */
  maxLockMs?: number;
}

/**
 * A recent successful step-up of one app session (docs/server.md "Step-up tokens and the guard", freshness): while it is young
 * enough, a new challenge for a scope the policy allows answers VERIFIED without a code.
 */
export interface FreshnessRecord {
  resource: string;
  action: string;
  /** Seconds since the epoch, as in the token's `auth_time`. */
  authTime: number;
  acr: string;
  amr: string[];
}

/** docs/operating.md "Audit events and webhooks": one security event; never carries a code, secret or token. */
export interface AuditEvent {
  id: string;
  /** UTC ISO 8601. */
  at: string;
  type: string;
  sub: string;
  resource?: string;
  action?: string;
  factor?: string;
  severity: 'info' | 'warning' | 'critical';
  status: 'success' | 'failure';
  metadata?: Record<string, unknown>;
  ip?: string;
}

export interface MfaStore {
  // Factors
  insertFactor(factor: StoredFactor): Promise<void>;
  getFactor(sub: string, id: string): Promise<StoredFactor | null>;
  /** Every factor of the user, confirmed or not, oldest first. */
  listFactors(sub: string): Promise<StoredFactor[]>;
  /**
   * Marks a pending factor confirmed; false when it is missing or already confirmed. With
   * `recoveryHashes` (the user's first factor), the user's recovery codes are replaced in the
   * same atomic step, so a crash can never leave a confirmed first factor without codes.
   */
  confirmFactor(sub: string, id: string, recoveryHashes?: string[]): Promise<boolean>;
  renameFactor(sub: string, id: string, label: string): Promise<boolean>;
  /** Sets `lastUsedAt` (passkeys whose authenticator keeps no counter); false when missing. */
  touchFactor(sub: string, id: string, at: number): Promise<boolean>;
  deleteFactor(sub: string, id: string): Promise<boolean>;
  /** Drops unconfirmed factors created before `olderThan` (abandoned enrollments). */
  deletePendingFactors(sub: string, olderThan: number): Promise<number>;
  /**
   * The replay rule: sets `lastStep = step` and `lastUsedAt = at` only when `step > lastStep`,
   * atomically. True when this call won; false for a replayed or older step.
   */
  advanceLastStep(sub: string, id: string, step: number, at: number): Promise<boolean>;

  // Failures and lockout, per (sub, key) where key is a factor id or 'recovery'
  getFailureState(sub: string, key: string): Promise<FailureState>;
  /** Atomically counts a failure; locks when it reaches `maxFailures`. Returns the new state. */
  recordFailure(sub: string, key: string, now: number, policy: FailurePolicy): Promise<FailureState>;
  /** A success: consecutive failures and lock history go back to zero. */
  resetFailures(sub: string, key: string): Promise<void>;
  /**
   * `resetFailures` for every key of `sub` that starts with `prefix` (e.g. `kba:`, the question
   * flows, whose keys the server cannot list otherwise). Returns how many keys it cleared.
   */
  resetFailuresByPrefix(sub: string, prefix: string): Promise<number>;
  /**
   * Reserve-then-verify, one atomic step (failure-math.ts `reserveAttempt`): refuses while the
   * pair is locked or its failures plus answers in flight reach `maxFailures`; otherwise counts
   * one more answer in flight. Only a granted reservation may be checked.
   */
  beginAttempt(sub: string, key: string, now: number, policy: FailurePolicy): Promise<AttemptGrant>;
  /** Ends a granted reservation, atomically (`settleAttemptState`): a success never clears an active lock. */
  settleAttempt(sub: string, key: string, now: number, policy: FailurePolicy, outcome: AttemptOutcome): Promise<FailureState>;

  // Recovery codes (SHA-256 hashes, hex)
  /** Replaces the user's whole set (regeneration invalidates the old codes). */
  replaceRecoveryCodes(sub: string, hashes: string[]): Promise<void>;
  /** Atomically marks one unused code used; true only for the single winner. */
  consumeRecoveryCode(sub: string, hash: string, at: number): Promise<boolean>;
  countRecoveryCodes(sub: string): Promise<number>;
  deleteRecoveryCodes(sub: string): Promise<void>;

  // Challenges (ephemeral)
  insertChallenge(challenge: StoredChallenge): Promise<void>;
  getChallenge(id: string): Promise<StoredChallenge | null>;
  /**
   * Replaces the challenge with `next` (same id) only if its stored `state` still equals
   * `expectedState` (undefined = no state), atomically. True for the single caller that won;
   * false when it is gone or someone else changed it first. The expiry stays as it was.
   */
  updateChallenge(next: StoredChallenge, expectedState: string | undefined): Promise<boolean>;
  /** Removes it and returns true only for the single caller that removed it. */
  deleteChallenge(id: string): Promise<boolean>;
  deleteExpiredChallenges(now: number): Promise<number>;

  // Freshness (ephemeral), per (sub, app session)
  /** Records (or replaces) the step-up of (resource, action); forgotten after `expiresAt` (ms). */
  putFreshness(sub: string, session: string, record: FreshnessRecord, expiresAt: number): Promise<void>;
  /** The session's records that have not expired at `now`. */
  listFreshness(sub: string, session: string, now: number): Promise<FreshnessRecord[]>;
  /** Forgets the session's records, or every session's of the user when `session` is omitted. */
  clearFreshness(sub: string, session?: string): Promise<void>;

  // Session revocation (ephemeral): logout and clearMfa() end the session's step-up tokens
  /** Tokens of (sub, session) issued before `at` (ms) stop working; remembered until `expiresAt` (ms). Keeps the latest `at`. */
  revokeSession(sub: string, session: string, at: number, expiresAt: number): Promise<void>;
  /** The latest revocation of (sub, session) in ms, or 0. */
  sessionRevokedAt(sub: string, session: string, now: number): Promise<number>;

  // Rate limits (ephemeral): fixed windows
  /**
   * Counts one hit of `key` in the window of `windowMs` that contains `now`, atomically.
   * Returns the count including this hit and when the window ends (ms).
   */
  hitRateLimit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }>;

  // One-time tokens (ephemeral)
  /** Remembers a token id until `expiresAt` (ms); true only for the single first caller. */
  useTokenOnce(jti: string, expiresAt: number, now: number): Promise<boolean>;
  /** Whether `useTokenOnce` already took this id (and its memory has not expired at `now`). */
  isTokenUsed(jti: string, now: number): Promise<boolean>;

  // Signing keys (durable)
  /** Keeps the first key ever inserted: concurrent callers all get the same record back. */
  getOrInsertSigningKey(candidate: SigningKeyRecord): Promise<SigningKeyRecord>;
  /** Every key, retired ones too, oldest (`createdAt`) first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Adds a key (rotation); a duplicate `kid` is an error. */
  insertSigningKey(record: SigningKeyRecord): Promise<void>;
  /**
   * Sets the key's `retireAt`, keeping the earlier one when it already has one (a later
   * rotation never extends a key's life). False when no key has that `kid`.
   */
  retireSigningKey(kid: string, retireAt: number): Promise<boolean>;

  // Audit (docs/operating.md "Audit events and webhooks")
  appendAuditEvent(event: AuditEvent): Promise<void>;
  /** The user's events, newest first. */
  listAuditEvents(sub: string, limit: number): Promise<AuditEvent[]>;

  /**
   * Optional: makes every write so far durable before it returns. Stores that group the writes
   * of concurrent requests into one transaction (SqliteStore) commit here; stores that send the
   * writes nobody reads the answer of without waiting (RedisStore; PostgresStore, in groups) wait
   * for them here. The HTTP app calls it before each answer leaves, so a client never sees a
   * success its store has not committed.
   */
  flush?(): Promise<void>;

  close(): Promise<void>;
}
