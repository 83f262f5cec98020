/**
 * `mfa-elements/server/redis`: the Redis store alone (needs only `redis`, loaded on `connect()`).
 * `import { RedisStore } from 'mfa-elements/server'` works too.
 */
export { RedisStore, type RedisStoreOptions } from './stores/redis-store.js';
