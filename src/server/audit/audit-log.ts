/**
 * Writes DESIGN §8 events. Callers pass only ids, names and counts: never a code, secret,
 * recovery code or token (the event type says what happened; metadata says how much).
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent, MfaStore } from '../stores/store.js';

export type AuditInput = Omit<AuditEvent, 'id' | 'at' | 'severity' | 'status'> &
  Partial<Pick<AuditEvent, 'severity' | 'status'>>;

export class AuditLog {
  constructor(
    private readonly store: MfaStore,
    private readonly now: () => number,
  ) {}

  async record(input: AuditInput): Promise<void> {
    const event: AuditEvent = {
      severity: 'info',
      status: 'success',
      ...input,
      id: randomUUID(),
      at: new Date(this.now()).toISOString(),
    };
    await this.store.appendAuditEvent(event);
  }

  list(sub: string, limit = 100): Promise<AuditEvent[]> {
    return this.store.listAuditEvents(sub, limit);
  }
}
