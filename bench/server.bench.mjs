// bench:server — requests per second and latency of a full step-up verification over real HTTP on
// 127.0.0.1, driven by autocannon, next to a bare Hono JSON route served by the same process.
//
// One verification round trip = POST /mfa/challenges (session hook, store reads, challenge
// written) → POST /mfa/challenges/:id/resume with the right code (challenge read, lockout check,
// secret decrypted, TOTP window, replay mark compare-and-set, challenge deleted, audit events,
// EdDSA step-up token signed) → 200 VERIFIED. Both requests go over one keep-alive connection.
//
// Replay rule: a code is accepted once per factor and never an older one, so the server process
// pre-enrolls a pool of users (through the real enrollment code, 3 steps before T) and freezes its
// clock at T; every round trip takes the next user of the pool and that user's next unused code,
// the codes of steps T-1, then T, then T+1 — each one newer than the last accepted one, as a real
// authenticator would produce over a minute and a half. A pool of N users allows 3N round trips;
// the run reports any round trip that would need more (none should).
//
// Rate limits stay on; each simulated user has its own client address for the per-IP limit (see
// createBenchServer in lib/mfa-fixture.mjs).
//
// The server runs in a child process; autocannon runs here. On this 2-core machine each gets about
// one core.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DIR, SMOKE, ensureBuilt, fmt, machineInfo, main, printTable, quantile, round, writeResult } from './lib/common.mjs';
import { clientOf, codeFor, secretOf, stepOf } from './lib/mfa-fixture.mjs';
import { startPostgres } from './lib/postgres.mjs';
import { redisServerVersion, startRedis } from './lib/redis.mjs';
import { ensurePackages, scratchRequire } from './lib/scratch.mjs';

// --smoke: one 1 s slice per measurement after 0.3 s of warm-up, a pool of 2,000 users (3 codes
// each: enough for ~4,000 verifications/s; a pool of 500 ran out once SQLite passed ~900/s).
const DURATION = Number(process.env.BENCH_SERVER_SECONDS ?? (SMOKE ? 1 : 6));
const WARMUP = SMOKE ? 0.3 : 1;
// Full runs: 6 flow slices of 1 s, each between two bare slices of 1 s (7 bare slices).
const SLICES = Number(process.env.BENCH_SERVER_SLICES ?? (SMOKE ? 1 : 6));
const CONNECTIONS = Number(process.env.BENCH_SERVER_CONNECTIONS ?? 10);
const USERS = Number(process.env.BENCH_SERVER_USERS ?? (SMOKE ? 2_000 : 10_000));

function startChild(store, redis, pg) {
  // BENCH_SERVER_NODE_ARGS: extra node flags for the server process only, e.g. "--cpu-prof".
  const execArgv = [...process.execArgv, ...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const child = fork(join(BENCH_DIR, 'lib/server-child.mjs'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (type) =>
    new Promise((resolve, reject) => {
      // Both listeners go once the answer is in: one pair per IPC call would pile up on the child.
      const done = () => { child.off('message', onMessage); child.off('exit', onExit); };
      const onMessage = (msg) => {
        if (msg.type === type) { done(); resolve(msg); }
        else if (msg.type === 'error') { done(); reject(new Error(`server process: ${msg.message}`)); }
      };
      const onExit = (code) => { done(); reject(new Error(`server process exited (${code})`)); };
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  const ready = next('ready');
  child.send({ type: 'start', store, redis: redis && { url: redis.url, version: redis.version, owned: redis.owned },
    pg: pg && { adminUrl: pg.adminUrl, version: pg.version, owned: pg.owned }, users: USERS });
  return {
    ready,
    /** CPU µs the server process has used so far. */
    async cpu() {
      const answer = next('cpu');
      child.send({ type: 'cpu' });
      return (await answer).micros;
    },
    async stop() {
      const stopped = next('stopped');
      child.send({ type: 'stop' });
      await stopped.catch(() => {});
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

/**
 * Every code the pool will spend (steps T-1, T, T+1 of each user), computed before anything is
 * measured: the test oracle's SHA-1 is plain JavaScript, and computing one code per round trip
 * in the load generator's hot path took CPU from the one core it has, not from the server's.
 */
function codesOf(secrets, step) {
  const codes = new Array(USERS * 3);
  for (let u = 0; u < USERS; u++) {
    for (let r = 0; r < 3; r++) codes[u * 3 + r] = codeFor(secretOf(secrets, u), step - 1 + r);
  }
  return codes;
}

/** Latencies measured here (sub-millisecond), from a request's setup to its response. */
const summary = (latencies) => ({
  p50: round(quantile(latencies, 0.5), 2),
  p99: round(quantile(latencies, 0.99), 2),
  mean: round(latencies.reduce((a, b) => a + b, 0) / latencies.length, 2),
});

/** One autocannon slice of the bare route; adds to `acc`. */
async function sliceBare(autocannon, port, duration, acc) {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'GET',
        path: '/bare',
        setupRequest: (req, ctx) => {
          ctx.t0 = performance.now();
          return req;
        },
        onResponse: (status, body, ctx) => {
          if (status === 200) acc.latencies.push(performance.now() - ctx.t0);
          else acc.failures++;
        },
      },
    ],
  });
  acc.requests += r.requests.total;
  acc.seconds += r.duration;
  acc.errors += r.errors + r.timeouts;
  return r.requests.total / r.duration;
}

/** One autocannon slice of verification round trips with codes from the pool; adds to `acc`. */
async function sliceFlow(autocannon, port, pool, duration, acc) {
  const origin = `http://127.0.0.1:${port}`;
  const headers = { 'content-type': 'application/json', origin };
  const fail = (what) => (acc.failures[what] = (acc.failures[what] ?? 0) + 1);
  const take = () => {
    const i = pool.next++;
    const round = Math.floor(i / pool.users);
    if (round > 2) pool.exhausted++;
    const u = i % pool.users;
    return { sub: `user-${u}`, client: clientOf(u), code: pool.codes[u * 3 + Math.min(round, 2)] };
  };
  const verifiedBefore = acc.verified;
  const r = await autocannon({
    url: origin,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'POST',
        path: '/mfa/challenges',
        headers,
        body: JSON.stringify({ resource: 'payments', action: 'transfer', force: true }),
        setupRequest: (req, ctx) => {
          const { sub, client, code } = take();
          ctx.sub = sub;
          ctx.client = client;
          ctx.code = code;
          ctx.t0 = performance.now();
          return { ...req, headers: { ...headers, 'x-bench-user': sub, 'x-bench-client': client } };
        },
        onResponse: (status, body, ctx) => {
          ctx.id = null;
          acc.httpLatencies.push(performance.now() - ctx.t0);
          if (status !== 201) return fail(`challenge ${status}`);
          const answer = JSON.parse(body);
          ctx.id = answer.challengeId;
          ctx.guid = answer.challenges[0].guid;
        },
      },
      {
        method: 'POST',
        setupRequest: (req, ctx) => {
          if (!ctx.id) return null; // start over with the next user
          ctx.t1 = performance.now();
          return {
            ...req,
            path: `/mfa/challenges/${ctx.id}/resume`,
            headers: { ...headers, 'x-bench-user': ctx.sub, 'x-bench-client': ctx.client },
            body: JSON.stringify({ answers: [{ guid: ctx.guid, value: ctx.code }] }),
          };
        },
        onResponse: (status, body, ctx) => {
          const now = performance.now();
          acc.httpLatencies.push(now - ctx.t1);
          if (status === 200 && body.includes('"VERIFIED"') && body.includes('"token"')) {
            acc.verified++;
            acc.latencies.push(now - ctx.t0);
          } else fail(`resume ${status}`);
        },
      },
    ],
  });
  acc.requests += r.requests.total;
  acc.seconds += r.duration;
  acc.errors += r.errors + r.timeouts;
  return (acc.verified - verifiedBefore) / r.duration;
}

/**
 * Bare route and verification flow in alternating slices (bare, flow, bare, …, flow, bare), so a
 * change in the machine's load during the run falls on both. Each flow slice is compared with
 * the mean of the bare slices just before and after it; the reported ratio is the median of
 * these per-slice ratios, so one slice in which another process took the CPU (the bare route
 * moves 2× between slices on a shared machine) does not decide the figure. The ratio of the
 * totals is kept next to it.
 */
async function measure(autocannon, port, pool, cpu) {
  await sliceBare(autocannon, port, WARMUP, { latencies: [], requests: 0, seconds: 0, errors: 0, failures: 0 });
  await sliceFlow(autocannon, port, pool, WARMUP, { latencies: [], httpLatencies: [], requests: 0, seconds: 0, errors: 0, verified: 0, failures: {} });
  const bare = { latencies: [], requests: 0, seconds: 0, errors: 0, failures: 0 };
  const flow = { latencies: [], httpLatencies: [], requests: 0, seconds: 0, errors: 0, verified: 0, failures: {} };
  // Server CPU time per unit of work, summed over the slices: load elsewhere on the machine moves
  // it far less than it moves requests per second.
  const cpuUse = { bare: 0, flow: 0 };
  const timed = async (kind, fn) => {
    const before = await cpu();
    const rate = await fn();
    cpuUse[kind] += (await cpu()) - before;
    return rate;
  };
  const bareRates = [await timed('bare', () => sliceBare(autocannon, port, DURATION / SLICES, bare))];
  const sliceRatios = [];
  for (let i = 0; i < SLICES; i++) {
    const verifiedPerSecond = await timed('flow', () => sliceFlow(autocannon, port, pool, DURATION / SLICES, flow));
    bareRates.push(await timed('bare', () => sliceBare(autocannon, port, DURATION / SLICES, bare)));
    sliceRatios.push(verifiedPerSecond / ((bareRates[i] + bareRates[i + 1]) / 2));
  }
  const cpuPerBareRequestUs = cpuUse.bare / Math.max(1, bare.requests);
  const cpuPerVerificationUs = cpuUse.flow / Math.max(1, flow.verified);
  return {
    cpu: {
      perBareRequestUs: round(cpuPerBareRequestUs, 1),
      perVerificationUs: round(cpuPerVerificationUs, 1),
      // How many bare requests one verification costs in server CPU (includes the HTTP stack).
      bareRequestsPerVerification: round(cpuPerVerificationUs / cpuPerBareRequestUs, 2),
    },
    sliceRatios: sliceRatios.map((r) => round(r, 4)),
    medianSliceRatio: round(quantile(sliceRatios, 0.5), 4),
    bare: {
      requestsPerSecond: round(bare.requests / bare.seconds),
      requests: bare.requests,
      seconds: round(bare.seconds, 2),
      latencyMs: summary(bare.latencies),
      failures: bare.failures + bare.errors,
    },
    flow: {
      roundTripsPerSecond: round(flow.verified / flow.seconds),
      verified: flow.verified,
      httpRequestsPerSecond: round(flow.requests / flow.seconds),
      httpRequests: flow.requests,
      seconds: round(flow.seconds, 2),
      roundTripLatencyMs: summary(flow.latencies),
      httpLatencyMs: summary(flow.httpLatencies),
      failures: flow.failures,
      errors: flow.errors,
    },
  };
}

await main('server', async () => {
  ensureBuilt(['dist/server/index.js']);
  const versions = ensurePackages('server');
  const autocannon = scratchRequire('autocannon');
  console.log(`bench:server — autocannon ${versions.autocannon}, ${CONNECTIONS} connections, ${DURATION} s per measurement (after ${WARMUP} s warm-up), pool of ${fmt(USERS)} enrolled users per store`);

  const redis = await startRedis();
  if (!redis.available) console.log(`bench:server — skipped: ${redis.reason}`);
  const pg = await startPostgres();
  if (!pg.available) console.log(`bench:server — Postgres skipped: ${pg.reason}`);
  const only = process.env.BENCH_SERVER_STORES?.split(',');
  const targets = [{ store: 'sqlite' }, ...(redis.available ? [{ store: 'redis' }] : []),
    ...(pg.available ? [{ store: 'postgres' }] : []), ...(pg.available && redis.available ? [{ store: 'postgres+redis' }] : [])]
    .filter((t) => !only || only.includes(t.store));
  const results = [];
  try {
    for (const target of targets) {
      const child = startChild(target.store, redis.available ? redis : undefined, pg.available ? pg : undefined);
      try {
        const ready = await child.ready;
        console.log(`${target.store}: ${fmt(USERS)} users enrolled in ${(ready.enrollMs / 1000).toFixed(1)} s; server on 127.0.0.1:${ready.port}`);
        const pool = { codes: codesOf(Buffer.from(ready.secrets, 'base64'), stepOf(ready.t)), users: USERS, next: 0, exhausted: 0 };
        const { bare, flow, sliceRatios, medianSliceRatio, cpu } = await measure(autocannon, ready.port, pool, child.cpu);
        console.log(`${target.store}: bare route ${fmt(bare.requestsPerSecond)} req/s; ${fmt(flow.roundTripsPerSecond)} verifications/s`);
        results.push({
          store: target.store,
          storeLabel: ready.label,
          enrolledUsers: USERS,
          enrollSeconds: round(ready.enrollMs / 1000, 2),
          codesUsed: pool.next,
          poolExhausted: pool.exhausted,
          bare,
          flow,
          // The figure to compare: median over flow slices of (verifications/s ÷ neighbouring bare req/s).
          ratioRoundTripsToBareRequests: medianSliceRatio,
          ratioOfTotals: round(flow.roundTripsPerSecond / bare.requestsPerSecond, 4),
          sliceRatios,
          serverCpu: cpu,
          ratioHttpRequestsToBareRequests: round(flow.httpRequestsPerSecond / bare.requestsPerSecond, 4),
        });
        if (pool.exhausted > 0) console.log(`${target.store}: WARNING: ${pool.exhausted} round trips had no fresh code left (raise BENCH_SERVER_USERS)`);
        // A smoke run is a check: the flow must work, every round trip must verify.
        const failed = Object.entries(flow.failures).map(([what, n]) => `${n} × ${what}`).join(', ');
        if (SMOKE && (flow.verified === 0 || failed || bare.failures > 0)) {
          throw new Error(`${target.store}: smoke check failed: ${flow.verified} verified${failed ? `; failures: ${failed}` : ''}${bare.failures ? `; bare route failures: ${bare.failures}` : ''}`);
        }
      } finally {
        await child.stop();
      }
    }
  } finally {
    await redis.stop?.();
    await pg.stop?.();
  }

  const rows = [];
  for (const r of results) {
    rows.push([`bare Hono JSON route (next to ${r.store})`, fmt(r.bare.requestsPerSecond), '—', `${r.bare.latencyMs.p50} / ${r.bare.latencyMs.p99}`, '—', '—', r.bare.failures]);
    rows.push([
      `verify round trip, ${r.store}`, fmt(r.flow.httpRequestsPerSecond), fmt(r.flow.roundTripsPerSecond),
      `${r.flow.httpLatencyMs.p50} / ${r.flow.httpLatencyMs.p99}`, `${r.flow.roundTripLatencyMs.p50} / ${r.flow.roundTripLatencyMs.p99}`,
      `${(r.ratioRoundTripsToBareRequests * 100).toFixed(2)} %`,
      Object.values(r.flow.failures).reduce((a, b) => a + b, 0) + r.flow.errors,
    ]);
  }
  if (!redis.available) rows.push(['verify round trip, redis', 'skipped', '—', '—', '—', '—', '—']);
  if (!pg.available) rows.push(['verify round trip, postgres', 'skipped', '—', '—', '—', '—', '—']);
  printTable(
    `Server over HTTP on 127.0.0.1 (autocannon, ${CONNECTIONS} connections, ${DURATION} s each in ${SLICES} alternating slices; ratio: median per slice)`,
    ['target', 'HTTP req/s', 'verifications/s', 'HTTP p50 / p99 ms', 'round trip p50 / p99 ms', 'verif. ÷ bare req', 'errors'],
    rows,
  );
  if (!redis.available) console.log(`redis: skipped: ${redis.reason}`);
  for (const r of results) {
    console.log(`${r.store}: server CPU ${r.serverCpu.perVerificationUs} µs per verification, ${r.serverCpu.perBareRequestUs} µs per bare request: one verification = ${r.serverCpu.bareRequestsPerVerification} bare requests`);
    console.log(`${r.store}: verifications/s ÷ bare req/s = ${r.ratioRoundTripsToBareRequests} (median of ${r.sliceRatios.length} slices: ${r.sliceRatios.join(', ')}; ratio of totals ${r.ratioOfTotals}); HTTP req/s ÷ bare = ${r.ratioHttpRequestsToBareRequests}`);
  }

  writeResult('server', {
    machine: machineInfo({ redisServer: redis.available ? redis.version : redisServerVersion() }),
    config: { tool: `autocannon ${versions.autocannon}`, connections: CONNECTIONS, pipelining: 1, seconds: DURATION, slices: SLICES, warmupSeconds: WARMUP, usersPerStore: USERS, host: '127.0.0.1', clock: 'frozen at T; users enrolled at T-90 s; codes of steps T-1, T, T+1 per user' },
    redis: redis.available ? { available: true, url: redis.owned ? 'started by the benchmark on 127.0.0.1' : 'REDIS_URL', version: redis.version } : { available: false, skipped: redis.reason },
    postgres: pg.available ? { available: true, url: pg.owned ? 'cluster started by the benchmark on 127.0.0.1' : 'PG_URL', version: pg.version } : { available: false, skipped: pg.reason },
    results,
  });
});
