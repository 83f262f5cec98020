/** Opens the store `MFA_STORE` names. The Postgres store is loaded only when this build has it. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RedisStore } from '../stores/redis-store.js';
import { SqliteStore } from '../stores/sqlite-store.js';
import type { MfaStore } from '../stores/store.js';
import { ConfigError, type StoreSpec } from './env-config.js';

/** Where a Postgres store module would be (added separately; see docs/service.md). */
const POSTGRES_MODULE = '../stores/postgres-store.js';

export async function openStore(spec: StoreSpec): Promise<MfaStore> {
  if (spec.kind === 'sqlite') {
    mkdirSync(dirname(spec.path), { recursive: true, mode: 0o700 });
    return new SqliteStore({ path: spec.path });
  }
  if (spec.kind === 'redis') return RedisStore.connect({ url: spec.url, prefix: spec.prefix });
  let mod: { PostgresStore?: { connect(opts: { url: string }): Promise<MfaStore> } };
  try {
    mod = (await import(POSTGRES_MODULE)) as typeof mod;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new ConfigError('MFA_STORE=postgres://… needs the Postgres store, which this build of mfa-elements does not include; use a SQLite path or redis://…');
    }
    throw err;
  }
  if (!mod.PostgresStore?.connect) throw new ConfigError('MFA_STORE=postgres://…: this build\'s Postgres store has no PostgresStore.connect');
  return mod.PostgresStore.connect({ url: spec.url });
}
