/**
 * A real Redis for node tests: `REDIS_URL` when CI started one (.ci/run), otherwise a private
 * redis-server on a free loopback port, started here and stopped when the test process exits.
 * `npm test` makes sure redis-server is installed (scripts/ensure-system-deps.mjs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';

let started: Promise<string> | undefined;
let child: ChildProcess | undefined;

/** A loopback port nobody listens on right now. */
export const freePort = () => new Promise<number>((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address() as { port: number };
    srv.close(() => resolve(port));
  });
});

/**
 * Starts a redis-server on `port` (no persistence unless `extraArgs` turn it on, e.g.
 * `['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]`: later arguments override
 * earlier ones); resolves once it answers PING (after loading its data).
 */
export async function spawnRedis(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  const proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: 'ignore' });
  const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
  client.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await client.connect();
      await client.ping();
      await client.close();
      return proc;
    } catch {
      // Connected but still loading its data (LOADING): drop the socket, try again.
      if (client.isOpen) client.destroy();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  proc.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}`);
}

export function redisUrl(): Promise<string> {
  started ??= (async () => {
    if (process.env.REDIS_URL) return process.env.REDIS_URL;
    const port = await freePort();
    child = await spawnRedis(port);
    // Do not keep the test process alive for it; it dies with the process.
    child.unref();
    process.once('exit', () => child?.kill('SIGKILL'));
    return `redis://127.0.0.1:${port}`;
  })();
  return started;
}

/** A key prefix no other test uses, so tests share one Redis without seeing each other. */
export const uniquePrefix = (name: string) => `mfa-test:${name}:${process.pid}:${Math.random().toString(36).slice(2)}:`;

/** Deletes every key under `prefix`. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await client.del(keys);
  await client.close();
}

/** redis-server arguments for a private server that keeps every write on disk in `dir` (outage tests restart it). */
export const persistentRedisArgs = (dir: string) => ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];

/** Kills a private server at once (SIGKILL, a crash), resolving when it is gone; nothing to do if it already is. */
export function killNow(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}
