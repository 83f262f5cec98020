/**
 * Audit event ids are UUIDs version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits.
 * Random v4 ids would land anywhere in the stores' primary-key index, so every event would dirty a
 * random page of an index that grows with every user — a cost that rises with the install's age
 * and size (docs/performance.md "bench:growth"). Time-ordered ids append at the index's edge.
 * Ids stay unguessable (74 random bits) and sort by time, which support staff find handy too.
 */
import { randomFillSync } from 'node:crypto';

/**
 * Random bytes are drawn from the CSPRNG 4 KiB at a time and each byte is used once, as
 * node:crypto's own `randomUUID` does: one `randomBytes(16)` per event cost ~6 µs, most of it
 * the call into OpenSSL, against ~0.3 µs now (two events per verification).
 */
const POOL_BYTES = 4096;
const RANDOM_BYTES = 10;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let used = POOL_BYTES;
const id = Buffer.allocUnsafe(16);
const MAX_MS = 2 ** 48 - 1;

export function auditEventId(nowMs: number): string {
  if (used + RANDOM_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  id.writeUIntBE(Math.min(Math.max(0, Math.floor(nowMs)), MAX_MS), 0, 6);
  pool.copy(id, 6, used, used + RANDOM_BYTES);
  used += RANDOM_BYTES;
  id[6] = 0x70 | (id[6]! & 0x0f); // version 7
  id[8] = 0x80 | (id[8]! & 0x3f); // variant 10
  const h = id.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
