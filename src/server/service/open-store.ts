/** Opens the store `MFA_STORE` names (with `MFA_EPHEMERAL_STORE` beside a Postgres one). */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { connectStore } from '../stores/connect-store.js';
import { RedisStore } from '../stores/redis-store.js';
import { SqliteStore } from '../stores/sqlite-store.js';
import type { MfaStore } from '../stores/store.js';
import type { StoreSpec } from './env-config.js';

export async function openStore(spec: StoreSpec): Promise<MfaStore> {
  if (spec.kind === 'sqlite') {
    mkdirSync(dirname(spec.path), { recursive: true, mode: 0o700 });
    return new SqliteStore({ path: spec.path });
  }
  if (spec.kind === 'redis') return RedisStore.connect({ url: spec.url, prefix: spec.prefix });
  // Postgres, migrated before this resolves; `pg` (and `redis` for the split) load on first use.
  return connectStore({ url: spec.url, ephemeralUrl: spec.ephemeralUrl, redisPrefix: spec.prefix, preparedStatements: spec.preparedStatements });
}
