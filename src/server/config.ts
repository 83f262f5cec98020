/**
 * Options of the reference server and their defaults, resolved once into `MfaContext`:
 * services, policy and per-factor options (time, randomness and policy are injected here so
 * tests freeze the clock instead of sleeping).
 */
import { randomBytes } from 'node:crypto';
import type { SecretBox } from './crypto/secret-box.js';
import type { MfaStore, FailurePolicy } from './stores/store.js';
import type { TotpParams } from './totp/totp.js';
import type { SigningKeys } from './tokens/signing-keys.js';
import type { TokenConfig } from './tokens/step-up-token.js';
import type { AuditLog } from './audit/audit-log.js';
import type { AuditOptions } from './audit/sinks.js';
import type { FreshnessPolicy } from './freshness.js';
import type { RateLimits } from './rate-limit.js';
import type { AuditRateLimits } from './audit/audit-limits.js';
import type { ResolvedSmsPolicy, SendBudgets, SmsPolicy } from './send-budget.js';
import type { EmailSender, SmsSender } from './delivery/senders.js';
import type { KbaPlugin } from './factors/kba.js';
import type { FactorRegistry, ServerFactor } from './factors/server-factor.js';
import type { NotifyHook } from './factors/notices.js';
import type { StepUpAcr } from './acr.js';

export interface SessionUser {
  /** Stable user id of the app's own session. */
  sub: string;
  /**
   * Id of the app session (not a secret: e.g. a hash of the session cookie). Required: tokens
   * are bound to it, freshness is kept per session, and logout revokes the session's tokens.
   * A user without one is a configuration error (logged; requests fail closed with 503).
   */
  sessionId: string;
}

export type Authenticate = (request: Request) => SessionUser | null | Promise<SessionUser | null>;

export interface MfaServerOptions {
  /** The app's session hook: who is signed in on this request, or null. */
  authenticate: Authenticate;
  /** Defaults to SQLite at `<dataDir>/mfa.db`. */
  store?: MfaStore;
  /** Folder of the default SQLite store and its key file (default `./.data`). */
  dataDir?: string;
  /** 32-byte key for secrets at rest; default `MFA_ENCRYPTION_KEY` or `<dataDir>/mfa.key` (0600). */
  encryptionKey?: Uint8Array;
  /** Shown in authenticator apps (`otpauth://` issuer). Default `mfa-elements`. */
  appName?: string;
  /** Account name shown in authenticator apps; default the user id. */
  accountName?: (sub: string) => string;
  /**
   * Token `iss`. Default: `urn:mfa-elements:<24 hex>`, derived from the encryption key, so it
   * differs per installation and is the same on every instance sharing the key (docs/server.md).
   * The standalone service (`npx mfa-elements serve`) defaults to its own https origin.
   */
  issuer?: string;
  /** JWS `alg` written into new tokens: `EdDSA` (default) or `Ed25519` (RFC 9864); both verify. */
  tokenAlg?: 'EdDSA' | 'Ed25519';
  /**
   * Guards also take the step-up token from `Authorization: Bearer …` (the `Step-Up-Token`
   * header still works and wins when both are sent). Off by default: most apps use
   * `Authorization` for their own session.
   */
  acceptBearer?: boolean;
  /**
   * Server-to-server access: `POST /mfa/introspect` and `/mfa/admin/*`. `token`: a shared secret
   * sent as `Authorization: Bearer`; `clients`: HTTP Basic `{ clientId: secret }` pairs
   * (introspection only). Without either, those endpoints answer 404.
   */
  admin?: { token?: string; clients?: Record<string, string> };
  /**
   * The public URL of the mount point (e.g. `https://mfa.example.com/mfa`), for the absolute URLs
   * of the discovery document. Default: taken from each request.
   */
  publicUrl?: string;
  /** Token `aud`; default `mfa-elements:step-up`. */
  audience?: string;
  /** Step-up token lifetime in seconds (default 300). */
  tokenLifetime?: number;
  /**
   * Seconds of clock difference the guard and introspection allow on a token's `exp` and `iat`
   * (default 30, at most 60): instances on several machines never agree to the second, and every
   * verifier in another language is asked to allow the same (docs/verify-anywhere.md "Clock
   * tolerance"), so a token gets one verdict everywhere. Never widens `max_age`. Used and revoked
   * tokens are remembered for this long past their expiry.
   */
  clockToleranceSec?: number;
  /** Allowed `Origin`s of state-changing requests; default: the request's own origin. */
  origins?: string[];
  /** TOTP parameters of new factors (default SHA1, 6 digits, 30 s: what every app supports). */
  totp?: Partial<TotpParams>;
  /** Rate limits of challenge creation and of `POST /mfa/audit`, per user and per client IP. */
  rateLimits?: RateLimits & AuditRateLimits;
  /**
   * The client's IP for per-IP limits. Default: the socket's address under @hono/node-server.
   * Behind a proxy, return the address your proxy vouches for (e.g. from X-Forwarded-For).
   */
  clientIp?: (request: Request) => string | undefined;
  /** Step-up freshness ("MFA session caching"): default 15 minutes, same resource. */
  freshness?: FreshnessPolicy;
  /** Lockout policy (default 10 failures, 15 minutes doubling, at most 24 hours per lock). */
  lockout?: Partial<FailurePolicy>;
  /**
   * Where audit events go besides the store (docs/operating.md "Audit events and webhooks"). The store is always written first and
   * stays the source of truth; then each of `sinks` (e.g. `pinoSink()` for JSON lines on stdout,
   * or your own `{ write(event) }`) and each of `webhooks` (signed HMAC-SHA256 POSTs, retried
   * with backoff from a bounded background queue). Sinks are fire-and-forget: a failing or slow
   * sink or receiver never fails or delays a request; failures go to `logger` (default
   * `console.warn`). `mfa.close()` waits up to `closeTimeoutMs` (2 s) for unfinished deliveries.
   * See docs/operating.md "Audit events and webhooks".
   */
  audit?: AuditOptions;
  /**
   * Sends phone codes (SMS/voice). Without it users cannot add a phone. Development: an `Outbox`;
   * production: `webhookSender({ url, secret })` to your provider bridge, or your own.
   */
  sms?: SmsSender;
  /**
   * Where phone codes may go: `{ allowedCountries?: ['1', '44'], voice?: boolean }`. Default: every
   * country, SMS only (voice calls are opt-in: they are the costliest to have pumped).
   */
  smsPolicy?: SmsPolicy;
  /**
   * Budgets of sent codes (SMS, voice, email; first sends and resends) against pumping. Default
   * per user 10/h, per IP (IPv6 /64) 30/h, per destination 5/h and 10/day, per country calling
   * code 200/h, global 5000/day; each `{ limit, windowMs }`, a list of them, or `false`.
   */
  sendBudgets?: Partial<SendBudgets>;
  /** Sends email codes (and notices). Without it users cannot add an email factor. */
  email?: EmailSender;
  /**
   * Passkeys / security keys. Default: on, relying party = the host of the request's (checked)
   * Origin. Set `rpID` (a registrable domain) when the app spans subdomains; `false` turns it off.
   */
  webauthn?: false | { rpName?: string; rpID?: string };
  /** MX-style knowledge questions for integrations (`factorType: 'kba'`); never satisfy `acr=mfa`. */
  kba?: KbaPlugin;
  /**
   * The app's own factors, beside the built-in ones (docs/server.md "Your own factor"): each an
   * object with its type, amr, strength, enrollment, challenge step and verification.
   */
  factors?: ServerFactor[];
  /**
   * The level a step-up for managing factors (`mfa`/`manage`: add, confirm or remove a factor,
   * new recovery codes) must reach: `'mfa'` (default, any second factor) or `'phr'` (a passkey
   * with user verification), so a phished one-time code cannot add the attacker's own factor.
   * With `'phr'`, a user without a passkey cannot change factors until one is added while they
   * have no other factor, or support resets them (docs/server.md "Assurance levels").
   */
  manageAcr?: StepUpAcr;
  /** Email the user (through `email`) when one of their recovery codes is used. Default true. */
  notifyRecoveryCodeUse?: boolean;
  /**
   * Security notices to the user — a factor added or removed, recovery codes regenerated or
   * used, a factor locked — for any channel the app likes (push, in-app, its own mailer). Also
   * emailed to the user's confirmed email factors when `email` is set. Called in the background.
   */
  notify?: NotifyHook;
  /** Clock (ms); tests freeze it. */
  now?: () => number;
  /** CSPRNG; tests may make it deterministic. */
  randomBytes?: (n: number) => Buffer;
}

export const DEFAULT_LOCKOUT: FailurePolicy = { maxFailures: 10, baseLockMs: 15 * 60_000, maxLockMs: 24 * 60 * 60_000 };
/** How long a started challenge can be answered. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** How long an enrollment may stay unconfirmed. */
export const PENDING_FACTOR_TTL_MS = 15 * 60_000;

/**
 * What every service function receives, in three parts: the services it calls (store, clock,
 * randomness, keys, audit, senders: injected so tests freeze the clock instead of sleeping), the
 * `policy` it enforces, and the `factorOptions` only the factors read. Built once from
 * `MfaServerOptions` by `createMfaServer` (docs/architecture.md "Where is X").
 */
export interface MfaContext extends MfaServices {
  policy: MfaPolicy;
  factorOptions: FactorOptions;
}

/** The collaborators: the store and everything with a side effect or a source of entropy. */
export interface MfaServices {
  store: MfaStore;
  /** The factors of this server, built-in and the app's own. */
  factors: FactorRegistry;
  box: SecretBox;
  /**
   * The key view now. `fresh`: re-read the store first (a token named an unknown kid; at most a
   * few times a minute); `force`: re-read now (after this process rotated the keys).
   */
  keys: (opts?: { fresh?: boolean; force?: boolean }) => Promise<SigningKeys>;
  audit: AuditLog;
  senders: { sms?: SmsSender; email?: EmailSender };
  notify?: NotifyHook;
  /** Operational warnings (sender failures); never gets a code or an address. */
  logger: { warn(message: string): void };
  now: () => number;
  random: (n: number) => Buffer;
}

/** The rules the services enforce: tokens, limits, lockout, freshness, who may call what. */
export interface MfaPolicy {
  token: TokenConfig;
  lockout: FailurePolicy;
  freshness: FreshnessPolicy;
  rateLimits: Required<RateLimits & AuditRateLimits>;
  smsPolicy: ResolvedSmsPolicy;
  sendBudgets: SendBudgets;
  /** Level of `mfa`/`manage` step-ups (`manageAcr`). */
  manageAcr: StepUpAcr;
  notifyRecoveryCodeUse: boolean;
  origins?: string[];
  acceptBearer: boolean;
  admin: { token?: string; clients?: Record<string, string> };
  clientIp?: (request: Request) => string | undefined;
  publicUrl?: string;
}

/** Options only the built-in factors read. */
export interface FactorOptions {
  totp: TotpParams;
  /** `otpauth://` issuer of TOTP factors; the default relying-party name of passkeys. */
  appName: string;
  accountName: (sub: string) => string;
  /** null: passkeys are off. */
  webauthn: { rpName: string; rpID?: string } | null;
  kba?: KbaPlugin;
}

export const defaultRandom = randomBytes;
