// @ts-check
/**
 * `npm start`: the demo at http://localhost:8787 (PORT, HOST, DATA_DIR configure it).
 * `MFA_STORE=redis://127.0.0.1:6379` (or `rediss://…`) keeps the MFA data in Redis instead of
 * SQLite, so several demo processes can share it; `MFA_REDIS_PREFIX` sets the key prefix
 * (default `mfa:`). `MFA_STORE=postgres://…` keeps it in Postgres (migrated at start), and
 * `MFA_EPHEMERAL_STORE=redis://…` beside it moves the short-lived data to Redis
 * (docs/operating.md "Postgres"). Several instances also need one `MFA_ENCRYPTION_KEY` (64 hex characters).
 * The demo's own sign-in sessions live in the same store (demo/sessions.mjs): in Redis under
 * `<prefix>demo:session:…` (with MFA_EPHEMERAL_STORE too), in Postgres table `demo_sessions`, else in
 * `DATA_DIR/demo.db`; instances sharing a store share sessions.
 */
import { serve } from '@hono/node-server';
import { connectStore } from '../dist/server/index.js';
import { NO_SEND_BUDGETS, createDemoApp } from './app.mjs';
import { postgresSessions, redisSessions, sqliteSessions } from './sessions.mjs';

const port = Number(process.env.PORT ?? 8787);
// Loopback only by default: the demo's sign-in takes any user name.
const hostname = process.env.HOST ?? '127.0.0.1';
const dataDir = process.env.DATA_DIR ?? './.data';
const storeUrl = process.env.MFA_STORE ?? '';
const ephemeralUrl = process.env.MFA_EPHEMERAL_STORE ?? '';
const kind = /^rediss?:\/\//i.test(storeUrl) ? 'redis' : /^postgres(ql)?:\/\//i.test(storeUrl) ? 'postgres' : storeUrl === '' || storeUrl === 'sqlite' ? 'sqlite' : '';
if (!kind) {
  console.error(`MFA_STORE must be postgres://…, redis://…, rediss://… or sqlite (got ${JSON.stringify(storeUrl.split(':')[0])}…)`);
  process.exit(1);
}
if (ephemeralUrl && kind !== 'postgres') {
  console.error('MFA_EPHEMERAL_STORE (redis://…) needs MFA_STORE=postgres://…');
  process.exit(1);
}
const prefix = process.env.MFA_REDIS_PREFIX || 'mfa:';
const redisUrl = kind === 'redis' ? storeUrl : ephemeralUrl;
/** @type {import('../dist/server/index.js').MfaStore | undefined} */
let store;
/** @type {import('./sessions.mjs').DemoSessions} */
let sessions;
try {
  store = kind === 'sqlite' ? undefined : await connectStore({ url: storeUrl, ephemeralUrl: ephemeralUrl || undefined, redisPrefix: prefix });
  // Sessions live where the ephemeral data lives: Redis when there is one, else the store's database.
  sessions = redisUrl ? await redisSessions({ url: redisUrl, prefix })
    : kind === 'postgres' ? await postgresSessions({ url: storeUrl }) : sqliteSessions(dataDir);
} catch (err) {
  console.error(`mfa-elements demo: cannot open the store: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
// MFA_SEND_BUDGETS=off lifts the send budgets (the end-to-end tests send many codes from one IP).
const sendBudgets = process.env.MFA_SEND_BUDGETS === 'off' ? NO_SEND_BUDGETS : undefined;
const { app, close } = createDemoApp({ dataDir, store, sessions, sendBudgets });

// Where the data lives, without the URL's password.
/** @param {string} u */
const hostOf = (u) => { const x = new URL(u); return `${x.protocol}//${x.host}${x.pathname === '/' ? '' : x.pathname}`; };
const storeLabel = kind === 'redis' ? `redis ${hostOf(storeUrl)} (prefix ${prefix})`
  : kind === 'postgres' ? `postgres ${hostOf(storeUrl)}${ephemeralUrl ? ` + ephemeral redis ${hostOf(ephemeralUrl)} (prefix ${prefix})` : ''}`
    : `sqlite ${dataDir}/mfa.db`;
const sessionsLabel = redisUrl ? `redis (prefix ${prefix}demo:session:)` : kind === 'postgres' ? 'postgres (table demo_sessions)' : `sqlite ${dataDir}/demo.db`;

const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
  // Passkeys need a host name, not an IP: advertise localhost.
  const host = hostname === '127.0.0.1' || hostname === '::1' ? 'localhost' : hostname;
  console.log(`mfa-elements demo: http://${host}:${info.port}  (data in ${dataDir})`);
  console.log(`mfa-elements demo: store: ${storeLabel}`);
  console.log(`mfa-elements demo: sessions: ${sessionsLabel}`);
});

const stop = () => server.close(() => void close().then(() => process.exit(0)));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
