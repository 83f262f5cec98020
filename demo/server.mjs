// @ts-check
/**
 * `npm start`: the demo at http://localhost:8787 (PORT, HOST, DATA_DIR configure it).
 * `MFA_STORE=redis://127.0.0.1:6379` (or `rediss://…`) keeps the MFA data in Redis instead of
 * SQLite, so several demo processes can share it; `MFA_REDIS_PREFIX` sets the key prefix
 * (default `mfa:`). Several instances also need one `MFA_ENCRYPTION_KEY` (64 hex characters).
 * The demo's own sign-in sessions live in the same store (demo/sessions.mjs): in Redis under
 * `<prefix>demo:session:…`, else in `DATA_DIR/demo.db`; instances sharing a store share sessions.
 */
import { serve } from '@hono/node-server';
import { RedisStore } from '../dist/server/index.js';
import { NO_SEND_BUDGETS, createDemoApp } from './app.mjs';
import { redisSessions, sqliteSessions } from './sessions.mjs';

const port = Number(process.env.PORT ?? 8787);
// Loopback only by default: the demo's sign-in takes any user name.
const hostname = process.env.HOST ?? '127.0.0.1';
const dataDir = process.env.DATA_DIR ?? './.data';
const storeUrl = process.env.MFA_STORE ?? '';
const useRedis = /^rediss?:\/\//i.test(storeUrl);
if (storeUrl && !useRedis && storeUrl !== 'sqlite') {
  console.error(`MFA_STORE must be redis://…, rediss://… or sqlite (got ${JSON.stringify(storeUrl.split(':')[0])}…)`);
  process.exit(1);
}
const prefix = process.env.MFA_REDIS_PREFIX || 'mfa:';
const store = useRedis ? await RedisStore.connect({ url: storeUrl, prefix }) : undefined;
const sessions = useRedis ? await redisSessions({ url: storeUrl, prefix }) : sqliteSessions(dataDir);
// MFA_SEND_BUDGETS=off lifts the send budgets (the end-to-end tests send many codes from one IP).
const sendBudgets = process.env.MFA_SEND_BUDGETS === 'off' ? NO_SEND_BUDGETS : undefined;
const { app, close } = createDemoApp({ dataDir, store, sessions, sendBudgets });

// Where the data lives, without the URL's password.
const storeLabel = useRedis
  ? (() => { const u = new URL(storeUrl); return `redis ${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname} (prefix ${prefix})`; })()
  : `sqlite ${dataDir}/mfa.db`;
const sessionsLabel = useRedis ? `redis (prefix ${prefix}demo:session:)` : `sqlite ${dataDir}/demo.db`;

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
