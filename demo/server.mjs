// @ts-check
/** `npm start`: the demo at http://localhost:8787 (PORT, HOST, DATA_DIR configure it). */
import { serve } from '@hono/node-server';
import { createDemoApp } from './app.mjs';

const port = Number(process.env.PORT ?? 8787);
// Loopback only by default: the demo's sign-in takes any user name.
const hostname = process.env.HOST ?? '127.0.0.1';
const dataDir = process.env.DATA_DIR ?? './.data';
const { app, close } = createDemoApp({ dataDir });

const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
  // Passkeys need a host name, not an IP: advertise localhost.
  const host = hostname === '127.0.0.1' || hostname === '::1' ? 'localhost' : hostname;
  console.log(`mfa-elements demo: http://${host}:${info.port}  (data in ${dataDir})`);
});

const stop = () => server.close(() => void close().then(() => process.exit(0)));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
