/**
 * `mfa-elements/server` — the Node reference server. Never imported by browser code.
 *
 * ```ts
 * const mfa = createMfaServer({ authenticate: (req) => mySession(req) }); // → { sub, sessionId } or null
 * app.route('/mfa', mfa.app);
 * app.post('/api/transfer', mfa.requireStepUp({ resource: 'payments', action: 'transfer' }), handler);
 * ```
 */
export { createMfaServer, type MfaServer } from './mfa-server.js';
export type { MfaServerOptions, Authenticate, SessionUser } from './config.js';
export type { SendBudgets, SmsPolicy, Budget } from './send-budget.js';
export type { StepUpRequirement, StepUpVerdict } from './guard/step-up-guard.js';
export type { StepUpClaims } from './tokens/step-up-token.js';
export { bindingOf, canonicalJson, DETAILS_LIMITS, type TransactionDetails } from './binding.js';
export type { MfaStore, StoredFactor, AuditEvent } from './stores/store.js';
export { pinoSink, type AuditSink, type AuditOptions, type AuditLogger, type PinoSinkOptions } from './audit/sinks.js';
export {
  verifyWebhookSignature,
  signWebhook,
  WEBHOOK_HEADERS,
  type WebhookConfig,
  type WebhookPayload,
  type WebhookStatus,
  type VerifyWebhookInput,
} from './audit/webhooks.js';
export { MemoryStore } from './stores/memory-store.js';
export { SqliteStore } from './stores/sqlite-store.js';
export { RedisStore, type RedisStoreOptions } from './stores/redis-store.js';
export { PostgresStore, type PostgresStoreOptions } from './stores/postgres-store.js';
export { SplitStore } from './stores/split-store.js';
export { connectStore, type ConnectStoreOptions } from './stores/connect-store.js';
export { SecretBox } from './crypto/secret-box.js';
export { hotp, totp, matchTotpStep, otpauthUri } from './totp/totp.js';
export { base32Encode, base32Decode } from './totp/base32.js';
export { Outbox, type SmsSender, type EmailSender, type SmsMessage, type EmailMessage, type OutboxEntry } from './delivery/senders.js';
export { webhookSender, type WebhookSenderOptions } from './delivery/webhook-sender.js';
export { sameAnswer, type KbaPlugin, type KbaQuestion, type KbaScope } from './factors/kba.js';
export type { SecurityNotice, SecurityNoticeType, NotifyHook } from './factors/notices.js';
export { assertionAuthenticator, type AssertionConfig } from './service/session-assertion.js';
export { openApiDocument } from './http/openapi.js';
export type { SigningKeyRecord } from './stores/store.js';
// Your own factor (docs/server.md "Your own factor").
export type { ServerFactor, FactorEnv, ChallengeStart, Started, Verdict, ConfirmCall, FactorEnrollment } from './factors/server-factor.js';
export { parseInput } from './factors/server-factor.js';
export { saveStep, type ChallengeState } from './challenge-state.js';
export { attemptCode, assertNotLocked } from './factors/attempt.js';
export { codeStep } from './factors/totp-factor.js';
export { hotpFactor, importHotpToken, type HotpOptions, type HotpTokenInput } from './factors/hotp-factor.js';
export { sendCode, attemptSentCode, assertMayResend, sentCodeStep, type SentCodeState } from './factors/sent-code.js';
export type { Scope, RequestScope } from './request-scope.js';
