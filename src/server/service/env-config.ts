/**
 * The standalone service's configuration from the environment (docs/service.md has the table).
 * Every mistake is one `ConfigError` with one line that names the variable, so start-up stops
 * with a message an operator can act on instead of a stack trace or a half-working service.
 */
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseKey } from '../crypto/secret-box.js';
import { MIN_SECRET_LENGTH } from '../http/server-auth.js';
import { parseTokenAlg, type TokenAlg } from '../tokens/signing-keys.js';
import type { AssertionConfig } from './session-assertion.js';
import { DEFAULT_PORT } from './defaults.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type StoreSpec = { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string; prefix: string } | { kind: 'postgres'; url: string; ephemeralUrl?: string; prefix: string; preparedStatements?: boolean };

export interface ServiceConfig {
  port: number;
  host: string;
  /** The service's own origin as browsers and backends reach it (issuer default, URLs). */
  issuer: string;
  publicUrl: string;
  origins: string[];
  store: StoreSpec;
  dataDir: string;
  assertion: AssertionConfig;
  adminToken?: string;
  clients?: Record<string, string>;
  encryptionKey?: Buffer;
  tokenAlg: TokenAlg;
  appName?: string;
  production: boolean;
}

export { DEFAULT_PORT };

function url(name: string, value: string, protocols: string[]): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a URL: "${value}"`);
  }
  if (!protocols.includes(u.protocol)) throw new ConfigError(`${name} must be an ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL, got "${value}"`);
  return u;
}

function origin(name: string, value: string): string {
  const u = url(name, value, ['http:', 'https:']);
  if (u.origin !== value.replace(/\/$/, '')) throw new ConfigError(`${name}: "${value}" is not an origin (scheme://host[:port], no path)`);
  return u.origin;
}

export function parseServiceEnv(env: NodeJS.ProcessEnv): ServiceConfig {
  const production = env.NODE_ENV === 'production';
  const port = env.PORT === undefined || env.PORT === '' ? DEFAULT_PORT : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`PORT must be a port number (0-65535), got "${env.PORT}"`);
  const host = env.HOST || '127.0.0.1';
  const dataDir = env.DATA_DIR || './.data';

  // Issuer: an https URL (its origin, plus a path if given). Default: this service's own origin.
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost' || host === '0.0.0.0' || host === '::';
  const own = `http://${loopback ? 'localhost' : isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const issuerUrl = url('MFA_ISSUER', env.MFA_ISSUER || own, ['https:', 'http:']);
  if (issuerUrl.protocol !== 'https:' && production) throw new ConfigError(`MFA_ISSUER must be an https URL when NODE_ENV=production (got "${issuerUrl.href}"); set it to the service's public https origin`);
  if (issuerUrl.search || issuerUrl.hash) throw new ConfigError('MFA_ISSUER must not have a query or fragment');
  const issuer = issuerUrl.href.replace(/\/$/, '');
  const publicUrl = env.MFA_PUBLIC_URL ? url('MFA_PUBLIC_URL', env.MFA_PUBLIC_URL, ['https:', 'http:']).href.replace(/\/$/, '') : `${issuer}/mfa`;

  const origins = (env.MFA_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((o) => origin('MFA_ORIGINS', o));
  if (production && origins.length === 0) throw new ConfigError("MFA_ORIGINS is required when NODE_ENV=production: the browser origins of your app, comma-separated (e.g. https://app.example.com)");

  const secret = env.MFA_SESSION_SECRET || undefined;
  const jwksUrl = env.MFA_SESSION_JWKS_URL || undefined;
  if (!secret && !jwksUrl) throw new ConfigError('set MFA_SESSION_SECRET (HS256) or MFA_SESSION_JWKS_URL to verify the app-session assertion (docs/service.md)');
  if (secret && jwksUrl) throw new ConfigError('set only one of MFA_SESSION_SECRET and MFA_SESSION_JWKS_URL');
  if (secret && Buffer.byteLength(secret) < 32) throw new ConfigError('MFA_SESSION_SECRET must be at least 32 bytes (e.g. openssl rand -hex 32)');
  if (jwksUrl) url('MFA_SESSION_JWKS_URL', jwksUrl, production ? ['https:'] : ['https:', 'http:']);
  const cookie = env.MFA_SESSION_COOKIE || undefined;
  if (cookie && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/.test(cookie)) throw new ConfigError(`MFA_SESSION_COOKIE is not a cookie name: "${cookie}"`);

  const adminToken = env.MFA_ADMIN_TOKEN || undefined;
  if (adminToken && adminToken.length < MIN_SECRET_LENGTH) throw new ConfigError(`MFA_ADMIN_TOKEN must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`);
  let clients: Record<string, string> | undefined;
  if (env.MFA_INTROSPECTION_CLIENTS) {
    clients = {};
    for (const pair of env.MFA_INTROSPECTION_CLIENTS.split(',').map((s) => s.trim()).filter(Boolean)) {
      const colon = pair.indexOf(':');
      const id = pair.slice(0, colon);
      const value = pair.slice(colon + 1);
      if (colon <= 0 || value.length < MIN_SECRET_LENGTH) throw new ConfigError(`MFA_INTROSPECTION_CLIENTS: each entry is id:secret with a secret of at least ${MIN_SECRET_LENGTH} characters`);
      clients[id] = value;
    }
  }

  let encryptionKey: Buffer | undefined;
  if (env.MFA_ENCRYPTION_KEY) {
    try {
      encryptionKey = parseKey(env.MFA_ENCRYPTION_KEY);
    } catch {
      throw new ConfigError('MFA_ENCRYPTION_KEY must be 32 bytes: 64 hex characters or base64 (e.g. openssl rand -hex 32)');
    }
  } else if (production) {
    throw new ConfigError('MFA_ENCRYPTION_KEY is required when NODE_ENV=production (32 bytes as 64 hex characters; keep it out of the database)');
  }

  let tokenAlg: TokenAlg;
  try {
    tokenAlg = parseTokenAlg(env.MFA_TOKEN_ALG || 'EdDSA');
  } catch {
    throw new ConfigError(`MFA_TOKEN_ALG must be EdDSA or Ed25519, got "${env.MFA_TOKEN_ALG}"`);
  }

  const storeText = env.MFA_STORE || join(dataDir, 'mfa.db');
  let store: StoreSpec;
  if (/^rediss?:\/\//i.test(storeText)) {
    url('MFA_STORE', storeText, ['redis:', 'rediss:']);
    store = { kind: 'redis', url: storeText, prefix: env.MFA_REDIS_PREFIX || 'mfa:' };
  } else if (/^postgres(ql)?:\/\//i.test(storeText)) {
    url('MFA_STORE', storeText, ['postgres:', 'postgresql:']);
    store = { kind: 'postgres', url: storeText, prefix: env.MFA_REDIS_PREFIX || 'mfa:' };
    if (env.MFA_EPHEMERAL_STORE) {
      if (!/^rediss?:\/\//i.test(env.MFA_EPHEMERAL_STORE)) throw new ConfigError('MFA_EPHEMERAL_STORE must be redis://… or rediss://…');
      url('MFA_EPHEMERAL_STORE', env.MFA_EPHEMERAL_STORE, ['redis:', 'rediss:']);
      store.ephemeralUrl = env.MFA_EPHEMERAL_STORE;
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(storeText)) {
    throw new ConfigError(`MFA_STORE: unsupported scheme in "${storeText.replace(/\/\/[^@/]*@/, '//…@')}" (a SQLite file path, redis://… or postgres://…)`);
  } else {
    store = { kind: 'sqlite', path: storeText };
  }

  if (env.MFA_EPHEMERAL_STORE && store.kind !== 'postgres') {
    throw new ConfigError('MFA_EPHEMERAL_STORE needs MFA_STORE=postgres://… (challenges, counters and one-time marks move to Redis beside it)');
  }
  const prepared = env.MFA_PG_PREPARED_STATEMENTS;
  if (prepared !== undefined && prepared !== '') {
    if (prepared !== 'on' && prepared !== 'off') throw new ConfigError(`MFA_PG_PREPARED_STATEMENTS must be on or off, got "${prepared}"`);
    if (store.kind !== 'postgres') throw new ConfigError('MFA_PG_PREPARED_STATEMENTS needs MFA_STORE=postgres://…');
    store.preparedStatements = prepared === 'on';
  }

  if (env.MFA_APP_NAME !== undefined && (env.MFA_APP_NAME.includes(':') || !env.MFA_APP_NAME.trim())) {
    throw new ConfigError('MFA_APP_NAME must be non-empty and must not contain ":" (authenticator apps split "Issuer:account" on it)');
  }

  return {
    port, host, issuer, publicUrl, origins, store, dataDir,
    assertion: { secret, jwksUrl, cookie, issuer: env.MFA_SESSION_ISSUER || undefined, audience: env.MFA_SESSION_AUDIENCE || undefined },
    adminToken, clients, encryptionKey, tokenAlg, appName: env.MFA_APP_NAME || undefined, production,
  };
}
