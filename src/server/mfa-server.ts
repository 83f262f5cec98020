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
import { createFactorRegistry } from './factors/registry.js';
import { endSession } from './session.js';
import { SqliteStore } from './stores/sqlite-store.js';
import type { MfaStore } from './stores/store.js';
import { loadSigningKeys, type SigningKeys } from './tokens/signing-keys.js';
import { DEFAULT_TOTP } from './totp/totp.js';

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

export function createMfaServer(options: MfaServerOptions): MfaServer {
  // Without `origins` the allowed Origin is the request's own Host: behind a proxy that rewrites
  // or trusts Host, the CSRF check then vouches for whatever the client claims.
  if (!options.origins?.length) {
    const hint = "set `origins` to your app's Origin(s), e.g. origins: ['https://app.example.com']";
    if (process.env.NODE_ENV === 'production') throw new Error(`mfa-elements configuration error: ${hint} (required when NODE_ENV=production)`);
    if (!warnedNoOrigins && !options.origins) console.warn(`[mfa] no \`origins\`: state-changing requests are accepted from the request's own Host; ${hint}`);
    warnedNoOrigins = true;
  }
  const dataDir = options.dataDir ?? process.env.DATA_DIR ?? './.data';
  if (!options.store || !options.encryptionKey) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = options.store ?? new SqliteStore({ path: join(dataDir, 'mfa.db') });
  const box = new SecretBox(options.encryptionKey ?? loadOrCreateKey(join(dataDir, 'mfa.key')));
  const now = options.now ?? Date.now;
  let keys: Promise<SigningKeys> | undefined;

  const ctx: MfaContext = {
    store,
    factors: createFactorRegistry(options.factors),
    box,
    keys: () => {
      keys ??= loadSigningKeys(store, box, now()).catch((err) => {
        keys = undefined; // a store outage must not poison every later request
        throw err;
      });
      return keys;
    },
    token: {
      issuer: options.issuer ?? 'mfa-elements',
      audience: options.audience ?? 'mfa-elements:step-up',
      lifetime: options.tokenLifetime ?? 300,
    },
    totp: { ...DEFAULT_TOTP, ...options.totp },
    lockout: { ...DEFAULT_LOCKOUT, ...options.lockout },
    freshness: options.freshness ?? {},
    rateLimits: { ...DEFAULT_RATE_LIMITS, ...DEFAULT_AUDIT_RATE_LIMITS, ...options.rateLimits },
    smsPolicy: resolveSmsPolicy(options.smsPolicy),
    sendBudgets: { ...DEFAULT_SEND_BUDGETS, ...options.sendBudgets },
    clientIp: options.clientIp,
    appName: options.appName ?? 'mfa-elements',
    accountName: options.accountName ?? ((sub) => sub),
    origins: options.origins,
    now,
    random: options.randomBytes ?? defaultRandom,
    audit: new AuditLog(store, now, options.audit),
    senders: { sms: options.sms, email: options.email },
    webauthn: options.webauthn === false ? null : { rpName: options.appName ?? 'mfa-elements', ...options.webauthn },
    kba: options.kba,
    notifyRecoveryCodeUse: options.notifyRecoveryCodeUse ?? true,
    notify: options.notify,
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
