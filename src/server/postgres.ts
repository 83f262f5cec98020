/**
 * `mfa-elements/server/postgres`: the Postgres store alone (needs only `pg`, loaded on
 * `connect()`), the split store that puts its short-lived records in Redis beside it (then `redis`
 * too), and `connectStore`, which opens either from a URL. `mfa-elements/server` exports them too.
 */
export { PostgresStore, type PostgresStoreOptions } from './stores/postgres-store.js';
export { SplitStore } from './stores/split-store.js';
export { connectStore, type ConnectStoreOptions } from './stores/connect-store.js';
