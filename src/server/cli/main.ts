/**
 * The `mfa-elements` command (bin/mfa-elements.mjs):
 *   serve                          run the standalone service (configuration: environment)
 *   keys list | keys rotate [--now]
 *   admin factors|reset|unlock|audit <sub>
 * `keys` and `admin` call the running service's admin API (MFA_URL, MFA_ADMIN_TOKEN), so the
 * service's own hooks (notices, audit sinks) run and every instance sees the change at once.
 */
import { DEFAULT_PORT } from '../service/defaults.js';

const USAGE = `usage: mfa-elements <command>
  serve                                 run the service (PORT, HOST, MFA_STORE, MFA_ISSUER, MFA_ORIGINS,
                                        MFA_SESSION_SECRET | MFA_SESSION_JWKS_URL, MFA_ADMIN_TOKEN, …)
  keys list                             the signing key ring
  keys rotate [--now]                   schedule the next key (--now: switch at once, old tokens stop)
  admin factors <sub>                   a user's factors and locks
  admin reset <sub>                     remove a user's factors and recovery codes, revoke their tokens
  admin unlock <sub>                    lift a user's locks
  admin audit <sub> [--limit N]         a user's audit events
keys/admin call the running service: MFA_URL (default http://127.0.0.1:$PORT) with MFA_ADMIN_TOKEN.
See docs/service.md.`;

function fail(message: string, code = 1): never {
  process.stderr.write(`mfa-elements: ${message}\n`);
  process.exit(code);
}

async function callAdmin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<void> {
  const token = process.env.MFA_ADMIN_TOKEN;
  if (!token) fail('set MFA_ADMIN_TOKEN (the running service\'s admin token)', 2);
  const base = (process.env.MFA_URL || `http://127.0.0.1:${process.env.PORT || DEFAULT_PORT}`).replace(/\/$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}/mfa${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    fail(`cannot reach the service at ${base} (${err instanceof Error ? err.message : String(err)}); set MFA_URL`);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      if (parsed.error) message = `${parsed.error.code}: ${parsed.error.message}`;
    } catch { /* not JSON */ }
    fail(`${method} ${path} → ${res.status} ${message}`);
  }
  process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
}

export async function main(argv: string[]): Promise<void> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case 'serve': {
      // Loaded only here: the HTTP verbs below stay quick to start.
      const { ConfigError, parseServiceEnv } = await import('../service/env-config.js');
      const { startService } = await import('../service/serve.js');
      let config;
      try {
        config = parseServiceEnv(process.env);
      } catch (err) {
        if (err instanceof ConfigError) fail(`configuration error: ${err.message}`, 2);
        throw err;
      }
      let service;
      try {
        service = await startService(config);
      } catch (err) {
        const message = (err instanceof Error ? err.message.split('\n')[0]! : String(err)).replace(/^mfa-elements /, '');
        fail(`${err instanceof ConfigError ? 'configuration error: ' : /configuration error/.test(message) ? '' : 'cannot start: '}${message}`, 2);
      }
      const stop = () => void service.close().finally(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      return;
    }
    case 'keys':
      if (sub === 'list') return callAdmin('GET', '/admin/keys');
      if (sub === 'rotate') return callAdmin('POST', '/admin/keys/rotate', { immediate: rest.includes('--now') });
      return fail(USAGE, 2);
    case 'admin': {
      const user = rest[0];
      if (!user) return fail(USAGE, 2);
      const path = `/admin/users/${encodeURIComponent(user)}`;
      if (sub === 'factors') return callAdmin('GET', `${path}/factors`);
      if (sub === 'reset') return callAdmin('POST', `${path}/reset`, {});
      if (sub === 'unlock') return callAdmin('POST', `${path}/unlock`, {});
      if (sub === 'audit') {
        const i = rest.indexOf('--limit');
        return callAdmin('GET', `${path}/audit${i > 0 ? `?limit=${encodeURIComponent(rest[i + 1] ?? '')}` : ''}`);
      }
      return fail(USAGE, 2);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      fail(`unknown command "${command}"\n${USAGE}`, 2);
  }
}
