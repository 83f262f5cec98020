/** Audit event ids: UUID version 7, ordered by time (they append at the stores' index edge), unique. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditEventId } from '../../src/server/audit/event-id.js';

test('a UUID v7 whose first 48 bits are the milliseconds; later events sort after earlier ones', () => {
  const t = Date.UTC(2026, 11, 6, 20, 0, 0);
  const id = auditEventId(t);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), t);
  const ids = Array.from({ length: 200 }, (_, i) => auditEventId(t + i * 7));
  assert.deepEqual([...ids].sort(), ids, 'string order is time order');
  // 2,000 ids use the 4 KiB random pool five times over: no bytes are reused across refills.
  assert.equal(new Set(Array.from({ length: 2000 }, () => auditEventId(t))).size, 2000, 'unique within one millisecond');
});
