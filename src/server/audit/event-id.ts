/**
 * Audit event ids are UUIDs version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits.
 * Random v4 ids would land anywhere in the stores' primary-key index, so every event would dirty a
 * random page of an index that grows with every user — a cost that rises with the install's age
 * and size (docs/performance.md "bench:growth"). Time-ordered ids append at the index's edge.
 * Ids stay unguessable (74 random bits) and sort by time, which support staff find handy too.
 */
import { randomBytes } from 'node:crypto';

export function auditEventId(nowMs: number): string {
  const b = randomBytes(16);
  const ms = BigInt(Math.max(0, Math.floor(nowMs)));
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = 0x70 | (b[6]! & 0x0f); // version 7
  b[8] = 0x80 | (b[8]! & 0x3f); // variant 10
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
