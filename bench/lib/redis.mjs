// Redis for the server and growth benchmarks: the project's RedisStore (the public server entry
// dist/server/index.js, or the module named by BENCH_REDIS_STORE_MODULE) against REDIS_URL, or against a redis-server this process starts on
// 127.0.0.1 (no persistence, own temp folder) and stops at the end.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, SMOKE, freePort, sleep } from './common.mjs';

export const REDIS_STORE_MODULE = process.env.BENCH_REDIS_STORE_MODULE || join(ROOT, 'dist/server/index.js');

/** Imports the RedisStore class (a `.ts` override goes through tsx). */
export async function loadRedisStore(module = REDIS_STORE_MODULE) {
  const url = pathToFileURL(module).href;
  if (module.endsWith('.ts')) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)).RedisStore;
  }
  return (await import(url)).RedisStore;
}

/** One RESP command over a fresh socket (no client library needed); resolves with the raw reply. */
export function redisCommand(url, args, timeoutMs = 2_000) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    let reply = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('redis: timeout')); }, timeoutMs);
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    socket.on('data', (d) => {
      reply += d;
      // Bulk string ($len\r\n…\r\n) or simple reply (+…\r\n / -…\r\n / :…\r\n).
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if ((bulk && reply.length >= bulk[0].length + Number(bulk[1]) + 2) || (!bulk && !reply.startsWith('$') && reply.endsWith('\r\n'))) {
        clearTimeout(timer);
        socket.end();
        resolve(bulk ? reply.slice(bulk[0].length, bulk[0].length + Number(bulk[1])) : reply.trim());
      }
    });
    socket.write(args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).reduce((s, a) => s + a, `*${args.length}\r\n`));
  });
}

/** `used_memory` of the Redis server, in bytes. */
export async function redisUsedMemory(url) {
  const info = await redisCommand(url, ['INFO', 'memory']);
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

/**
 * Finds a Redis to run on: REDIS_URL, else (not in smoke mode) a redis-server of its own. Returns `{ available: true, url, version, stop() }` or
 * `{ available: false, reason }` (the benchmarks then print a "skipped" row).
 */
export async function startRedis() {
  if (!existsSync(REDIS_STORE_MODULE)) {
    return { available: false, reason: `Redis store not available (${REDIS_STORE_MODULE.replace(ROOT + '/', '')} not built)` };
  }
  const version = async (url) => /redis_version:([\d.]+)/.exec(await redisCommand(url, ['INFO', 'server']))?.[1] ?? 'unknown';
  if (process.env.REDIS_URL) {
    try {
      const url = process.env.REDIS_URL;
      if ((await redisCommand(url, ['PING'])) !== '+PONG') throw new Error('no PONG');
      return { available: true, url, version: await version(url), owned: false, stop: async () => {} };
    } catch (err) {
      return { available: false, reason: `REDIS_URL=${process.env.REDIS_URL} does not answer (${err.message})` };
    }
  }
  if (SMOKE) return { available: false, reason: 'smoke run without REDIS_URL (set REDIS_URL to include the Redis rows)' };
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    return { available: false, reason: 'no REDIS_URL and no redis-server on PATH (apt-get install redis-server)' };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mfa-bench-redis-'));
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `redis://127.0.0.1:${port}`;
  // Never leave it behind: on exit, and on Ctrl-C / SIGTERM (which skip 'exit' handlers).
  const killNow = () => child.exitCode === null && child.kill('SIGTERM');
  process.once('exit', killNow);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      killNow();
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  }
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (await redisCommand(url, ['PING'], 500).then((r) => r === '+PONG', () => false)) {
      return { available: true, url, version: await version(url), owned: true, stop };
    }
    await sleep(50);
  }
  await stop();
  return { available: false, reason: 'redis-server did not start within 5 s' };
}

/** Deletes the benchmark's keys (when running on someone else's Redis). */
export async function deletePrefix(url, prefix) {
  let cursor = '0';
  let deleted = 0;
  const { createClient } = await import('redis');
  const client = createClient({ url });
  await client.connect();
  try {
    do {
      const reply = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 1000 });
      cursor = String(reply.cursor);
      if (reply.keys.length) deleted += await client.unlink(reply.keys);
    } while (cursor !== '0');
  } finally {
    await client.close();
  }
  return deleted;
}

/** redis-server's own version string, for the machine info. */
export const redisServerVersion = () => /v=([\d.]+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? null;
