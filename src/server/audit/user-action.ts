/**
 * `POST /mfa/audit` — events the app reports itself (Transcodes `trackUserAction`), stored as
 * `user.action` next to ours. Their severities map onto ours, capped at `warning`: `critical`
 * is reserved for the server's own events (a client cannot raise a page); the app's own word is
 * kept in the metadata. `webhookNotification` is kept in the metadata; the webhook sinks
 * (webhooks.ts) send a `user.action` event only when it is set, from a queue of their own.
 * Rate limited per user and per client IP (429 + Retry-After) before anything is checked; the
 * limits and the metadata bounds are in audit-limits.ts.
 */
import type { MfaContext } from '../config.js';
import type { AuditEvent } from '../stores/store.js';
import { checkAuditMetadata, limitAudit } from './audit-limits.js';

const SEVERITY: Record<string, AuditEvent['severity']> = {
  low: 'info', info: 'info', medium: 'warning', warning: 'warning', high: 'warning', critical: 'warning',
};

export interface UserAction {
  tag: string;
  severity: string;
  status: boolean | 'success' | 'failure';
  metadata?: Record<string, unknown>;
}

export async function recordUserAction(
  ctx: MfaContext,
  sub: string,
  event: UserAction,
  opts: { webhookNotification?: boolean; ip?: string },
): Promise<void> {
  await limitAudit(ctx, sub, opts.ip);
  checkAuditMetadata(event.metadata);
  await ctx.audit.record({
    type: 'user.action',
    sub,
    severity: SEVERITY[event.severity] ?? 'info',
    status: event.status === true || event.status === 'success' ? 'success' : 'failure',
    metadata: { tag: event.tag, severity: event.severity, ...(event.metadata && { data: event.metadata }), ...(opts.webhookNotification && { webhookNotification: true }) },
    ...(opts.ip && { ip: opts.ip }),
  });
}
