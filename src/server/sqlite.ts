/**
 * `mfa-elements/server/sqlite`: the SQLite store alone (needs only `better-sqlite3`, loaded when a
 * store is made). `import { SqliteStore } from 'mfa-elements/server'` works too.
 */
export { SqliteStore } from './stores/sqlite-store.js';
