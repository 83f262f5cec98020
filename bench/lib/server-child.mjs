// The server side of bench:server, in its own process so the load generator does not share its
// event loop: the reference server (dist/) on a real store, mounted at /mfa next to a bare Hono
// JSON route, served by @hono/node-server on 127.0.0.1.
//
// Protocol (IPC): parent sends {type:'start', store, redis, pg, users}; child enrolls the users with
// the clock 3 steps before T (through the HTTP protocol in process: enrollUsers), freezes the
// clock at T, listens, and answers {type:'ready', port, t, secrets (base64, 20 bytes per user),
// enrollMs}. {type:'stop'} closes all.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { freePort } from './common.mjs';
import { SECRET_BYTES, STEP_MS, createBenchServer, enrollUsers, openStore } from './mfa-fixture.mjs';

let server;
let opened;
// BENCH_SERVER_PROFILE=<dir>: a CPU profile of the serving phase only (after enrollment), written
// to <dir>/<store>.cpuprofile at stop — what to read when a server figure moves.
const PROFILE_DIR = process.env.BENCH_SERVER_PROFILE;
let profiler;
let profileName;
process.on('disconnect', () => process.exit(0)); // the benchmark went away

process.on('message', async (msg) => {
  try {
    if (msg.type === 'start') {
      opened = await openStore(msg.store, { redis: msg.redis, pg: msg.pg });
      const t = Date.now();
      const clock = { now: t - 3 * STEP_MS };
      const mfa = await createBenchServer(opened.store, clock);
      const secrets = Buffer.alloc(msg.users * SECRET_BYTES);
      const started = performance.now();
      await enrollUsers(mfa, clock, { first: 0, count: msg.users, secrets, concurrency: msg.store === 'sqlite' ? 16 : 32 });
      const enrollMs = performance.now() - started;
      clock.now = t; // frozen: every user now has the codes of steps S-1, S and S+1 to spend, in that order

      const app = new Hono();
      app.get('/bare', (c) => c.json({ ok: true }));
      app.route('/mfa', mfa.app);
      const port = await freePort();
      await new Promise((resolve) => {
        server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, resolve);
      });
      if (PROFILE_DIR) {
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
        profileName = `${msg.store.replace(/\W/g, '-')}.cpuprofile`;
      }
      process.send({ type: 'ready', port, t, secrets: secrets.toString('base64'), enrollMs, label: opened.label });
    } else if (msg.type === 'cpu') {
      // CPU time this process used so far (µs): the benchmark divides its growth over a slice by
      // the work done in it, a figure that other processes on the machine barely move.
      const { user, system } = process.cpuUsage();
      process.send({ type: 'cpu', micros: user + system });
    } else if (msg.type === 'stop') {
      await new Promise((r) => (server ? server.close(r) : r()));
      if (profiler) writeFileSync(join(PROFILE_DIR, profileName), JSON.stringify((await profiler.post('Profiler.stop')).profile));
      await new Promise((r) => setTimeout(r, 200)); // requests the load tool abandoned at its deadline finish first
      await opened?.close();
      process.send({ type: 'stopped' }, () => process.exit(0));
    }
  } catch (err) {
    process.send({ type: 'error', message: err?.stack ?? String(err) }, () => process.exit(1));
  }
});
