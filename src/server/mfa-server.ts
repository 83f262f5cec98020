/**
 * `createMfaServer(options)`: wires store, secret box, keys and policy into the Hono app, the
 * route guard and its framework-free form.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono, MiddlewareHandler } from 'hono';
import { AuditLog } from './audit/audit-log.js';
import { DEFAULT_LOCKOUT, defaultRandom, type MfaContext, type MfaServerOptions, type SessionUser } from './config.js';
import { DEFAULT_RATE_LIMITS } from './rate-limit.js';
import { DEFAULT_AUDIT_RATE_LIMITS } from './audit/audit-limits.js';
import { DEFAULT_SEND_BUDGETS, resolveSmsPolicy } from './send-budget.js';
import { SecretBox, loadOrCreateKey } from './crypto/secret-box.js';
import { checkStepUp, honoStepUp, type StepUpRequirement, type StepUpVariables, type StepUpVerdict } from './guard/step-up-guard.js';
import { createMfaApp } from './http/app.js';
import { checkServerSecrets } from './http/server-auth.js';
import { createFactorRegistry } from './factors/registry.js';
import { endSession } from './session.js';
import { SqliteStore } from './stores/sqlite-store.js';
import type { MfaStore } from './stores/store.js';
import { KEY_REFRESH_MS, KeyCache, TOKEN_ALG, loadSigningKeys, parseTokenAlg, viewAt } from './tokens/signing-keys.js';
import type { SigningKeyRecord } from './stores/store.js';
import { DEFAULT_TOTP } from './totp/totp.js';
import { ACR_MFA, ACR_PHR, STEP_UP_ACRS } from './acr.js';

export interface MfaServer {
  /** Mount at `/mfa`: `app.route('/mfa', mfa.app)`. */
  app: Hono<any>;
  /** Hono middleware: 401 + RFC 9470 challenge unless the request carries a matching step-up token. */
  requireStepUp(req: StepUpRequirement): MiddlewareHandler<{ Variables: StepUpVariables }>;
  /** The same check for any framework: pass a Fetch `Request`, get a verdict or the 401 to send. */
  checkStepUp(request: Request, req: StepUpRequirement): Promise<StepUpVerdict>;
  /** Call on the app's logout: this session's recent step-ups stop counting and its tokens stop working. */
  endSession(user: SessionUser): Promise<void>;
  store: MfaStore;
  context: MfaContext;
  /**
   * Waits up to `audit.closeTimeoutMs` (default 2 s) for unfinished audit sink writes and
   * webhook deliveries (abandoning the rest, logged), then closes the store.
   */
  close(): Promise<void>;
}

/** Whether the "no `origins`" warning was already printed (once per process). */
let warnedNoOrigins = false;

/** docs/verify-anywhere.md "Clock tolerance": the same for the Node guard as for every other verifier. */
export const DEFAULT_CLOCK_TOLERANCE_S = 30;

export function createMfaServer(options: MfaServerOptions): MfaServer {
  // Without `origins` the allowed Origin is the request's own Host: behind a proxy that rewrites
  // or trusts Host, the CSRF check then vouches for whatever the client claims.
  if (!options.origins?.length) {
    const hint = "set `origins` to your app's Origin(s), e.g. origins: ['https://app.example.com']";
    if (process.env.NODE_ENV === 'production') throw new Error(`mfa-elements configuration error: ${hint} (required when NODE_ENV=production)`);
    if (!warnedNoOrigins && !options.origins) console.warn(`[mfa] no \`origins\`: state-changing requests are accepted from the request's own Host; ${hint}`);
    warnedNoOrigins = true;
  }
  checkServerSecrets(options.admin ?? {});
  const tolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_S;
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 60) {
    throw new Error('mfa-elements configuration error: clockToleranceSec must be a whole number of seconds from 0 to 60');
  }
  if (options.manageAcr !== undefined && !(STEP_UP_ACRS as readonly string[]).includes(options.manageAcr)) {
    throw new Error(`mfa-elements configuration error: manageAcr must be one of ${STEP_UP_ACRS.join(', ')}`);
  }
  if (options.manageAcr === ACR_PHR && options.webauthn === false) {
    throw new Error('mfa-elements configuration error: manageAcr "phr" needs passkeys (webauthn must not be false)');
  }
  // The Key URI Format splits "Issuer:account" on the colon; authenticator apps (pyotp, otpauth)
  // misread an issuer containing one even when encoded, so it is refused (docs/server.md).
  if (options.appName !== undefined && (options.appName.includes(':') || options.appName.trim() === '')) {
    throw new Error('mfa-elements configuration error: appName must be non-empty and must not contain ":" (authenticator apps split "Issuer:account" on it)');
  }
  const dataDir = options.dataDir ?? process.env.DATA_DIR ?? './.data';
  if (!options.store || !options.encryptionKey) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = options.store ?? new SqliteStore({ path: join(dataDir, 'mfa.db') });
  const box = new SecretBox(options.encryptionKey ?? loadOrCreateKey(join(dataDir, 'mfa.key')));
  const now = options.now ?? Date.now;
  const alg = options.tokenAlg ? parseTokenAlg(options.tokenAlg) : TOKEN_ALG;
  const cache = new KeyCache(box, alg);
  // The key list is re-read every KEY_REFRESH_MS (rotations by other instances or the CLI), and at
  // once when a token names a kid we do not know, at most once per KEY_REFRESH_MS / 6.
  let loaded: { at: number; records: Promise<SigningKeyRecord[]> } | undefined;
  const reload = (at: number) => {
    const records = loadSigningKeys(store, box, at, cache).then((r) => r.records);
    loaded = { at, records };
    records.catch(() => {
      if (loaded?.records === records) loaded = undefined; // a store outage must not poison every later request
    });
    return records;
  };

  const ctx: MfaContext = {
    store,
    factors: createFactorRegistry(options.factors),
    box,
    keys: async (opts) => {
      const t = now();
      const stale = !loaded || opts?.force || t - loaded.at >= KEY_REFRESH_MS || t < loaded.at || (opts?.fresh && t - loaded.at >= KEY_REFRESH_MS / 6);
      const records = stale ? reload(t) : loaded!.records;
      return viewAt(await records, cache, t);
    },
    now,
    random: options.randomBytes ?? defaultRandom,
    audit: new AuditLog(store, now, options.audit),
    senders: { sms: options.sms, email: options.email },
    notify: options.notify,
    policy: {
      token: {
        // Install-specific, not one constant every deployment shares: a token of one installation
        // must not satisfy another's verifier that only checks the issuer name.
        issuer: options.issuer ?? `urn:mfa-elements:${box.mac('token-issuer').slice(0, 24)}`,
        audience: options.audience ?? 'mfa-elements:step-up',
        lifetime: options.tokenLifetime ?? 300,
        alg,
        clockTolerance: tolerance,
      },
      lockout: { ...DEFAULT_LOCKOUT, ...options.lockout },
      freshness: options.freshness ?? {},
      rateLimits: { ...DEFAULT_RATE_LIMITS, ...DEFAULT_AUDIT_RATE_LIMITS, ...options.rateLimits },
      smsPolicy: resolveSmsPolicy(options.smsPolicy),
      sendBudgets: { ...DEFAULT_SEND_BUDGETS, ...options.sendBudgets },
      manageAcr: options.manageAcr ?? ACR_MFA,
      notifyRecoveryCodeUse: options.notifyRecoveryCodeUse ?? true,
      origins: options.origins,
      acceptBearer: options.acceptBearer ?? false,
      admin: options.admin ?? {},
      clientIp: options.clientIp,
      publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    },
    factorOptions: {
      totp: { ...DEFAULT_TOTP, ...options.totp },
      appName: options.appName ?? 'mfa-elements',
      accountName: options.accountName ?? ((sub) => sub),
      webauthn: options.webauthn === false ? null : { rpName: options.appName ?? 'mfa-elements', ...options.webauthn },
      kba: options.kba,
    },
    logger: { warn: (message) => console.warn(message) },
  };

  return {
    app: createMfaApp(ctx, options.authenticate),
    requireStepUp: (req) => honoStepUp(ctx, options.authenticate, req),
    checkStepUp: (request, req) => checkStepUp(ctx, options.authenticate, request, req),
    endSession: (user) => endSession(ctx, user),
    store,
    context: ctx,
    // Waits briefly (audit.closeTimeoutMs, default 2 s) for audit sinks and webhook deliveries.
    close: async () => {
      await ctx.audit.close();
      await store.close();
    },
  };
}
