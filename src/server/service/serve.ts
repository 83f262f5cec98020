/**
 * `npx mfa-elements serve`: the reference server as a standalone service for backends in any
 * language (docs/service.md). The browser talks to it directly (CORS with credentials for
 * `MFA_ORIGINS`) and proves who it is with the app-session assertion; the app's backend verifies
 * step-up tokens with the JWKS or asks `/mfa/introspect`.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { MfaError } from '../../core/errors.js';
import { STEP_UP_HEADER } from '../../core/types.js';
import { errorResponse } from '../http/errors.js';
import { createMfaServer, type MfaServer } from '../mfa-server.js';
import type { ServiceConfig } from './env-config.js';
import { openStore } from './open-store.js';
import { assertionAuthenticator } from './session-assertion.js';

export interface RunningService {
  url: string;
  port: number;
  issuer: string;
  mfa: MfaServer;
  close(): Promise<void>;
}

export function serviceApp(mfa: MfaServer, origins: string[]): Hono {
  const app = new Hono();
  app.use('/mfa/*', cors({
    origin: (origin) => (origins.includes(origin) ? origin : null),
    credentials: true,
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowHeaders: ['content-type', 'authorization', STEP_UP_HEADER.toLowerCase()],
    exposeHeaders: ['www-authenticate', 'retry-after'],
    maxAge: 600,
  }));
  app.route('/mfa', mfa.app);
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.notFound(() => errorResponse(new MfaError('not_found', 'No such endpoint.')));
  return app;
}

/** Opens the store, listens, and resolves once the service answers. */
export async function startService(config: ServiceConfig, log: (line: string) => void = console.log): Promise<RunningService> {
  const store = await openStore(config.store);
  let handler: ((req: Request, env: unknown) => Response | Promise<Response>) | undefined;
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: (req, env) => handler ? handler(req, env) : new Response(null, { status: 503 }), port: config.port, hostname: config.host }, (info) => resolve(info.port));
    server.once('error', reject);
  }).catch(async (err) => {
    await store.close();
    throw err;
  });
  // PORT=0 picks a free port: the default issuer is only known now.
  const issuer = config.port === 0 ? config.issuer.replace(/:0$/, `:${port}`) : config.issuer;
  const publicUrl = config.port === 0 ? config.publicUrl.replace(/:0\/mfa$/, `:${port}/mfa`) : config.publicUrl;
  const mfa = createMfaServer({
    store,
    authenticate: assertionAuthenticator(config.assertion),
    dataDir: config.dataDir,
    ...(config.encryptionKey && { encryptionKey: config.encryptionKey }),
    issuer,
    publicUrl,
    origins: config.origins,
    tokenAlg: config.tokenAlg,
    ...(config.appName && { appName: config.appName }),
    admin: { ...(config.adminToken && { token: config.adminToken }), ...(config.clients && { clients: config.clients }) },
  });
  const app = serviceApp(mfa, config.origins);
  handler = (req, env) => app.fetch(req, env as never);
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log(`mfa-elements service on ${url} (issuer ${issuer}, store ${config.store.kind}, origins ${config.origins.join(' ') || 'none'})`);
  return {
    url, port, issuer, mfa,
    close: () => new Promise<void>((resolve) => server!.close(() => resolve())).then(() => mfa.close()),
  };
}
