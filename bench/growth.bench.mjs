// bench:growth — what the reference server costs as users and open challenges pile up: JS heap
// and store size per 10,000 enrolled users and per 10,000 open challenges, and verification
// throughput at 1,000 vs 100,000 enrolled users, on SQLite and (when available) Redis.
//
// In process, no sockets (bench:server covers HTTP): requests go through the server's Hono app
// with `app.request`, so every verification still runs the whole protocol (session hook, schema,
// store, TOTP, replay mark, audit, token).
// Two servers per store kind run side by side: one with 1,000 users, one grown to 100,000. Every
// user enrolls through the HTTP protocol in process (POST /factors, then /factors/:id/confirm with
// the current code: see enrollUsers in lib/mfa-fixture.mjs), so the store holds exactly what real
// enrollments leave behind; only the public server API (dist/server/index.js) is used. Throughput is measured in alternating passes (small server,
// large server, …, order rotated) of 250 verifications, and the median pass is reported, so machine
// noise falls on all alike; on the large server both with a fixed set of 1,000 active users and
// with new random users per pass (see throughput() below). Each server
// has its own clock, which starts at the real time and moves one 30 s step before every pass, so
// every user's next code is newer than the last one accepted.
//
// Heap figures are `process.memoryUsage().heapUsed` after forced full GCs (JS objects the server
// keeps per user: ideally none); RSS is reported too (it includes SQLite's page cache and is
// noisier). Store size: SQLite file bytes after a WAL checkpoint; Redis `used_memory`.
import v8 from 'node:v8';
import vm from 'node:vm';
import { SMOKE, collectGarbage, ensureBuilt, fmt, fmtBytes, machineInfo, main, median, printTable, round, writeResult } from './lib/common.mjs';
import { SECRET_BYTES, codeFor, createBenchServer, enrollUsers, openStore, postAs, secretOf, stepOf } from './lib/mfa-fixture.mjs';
import { startPostgres } from './lib/postgres.mjs';
import { redisServerVersion, startRedis } from './lib/redis.mjs';

if (typeof globalThis.gc !== 'function') {
  v8.setFlagsFromString('--expose-gc');
  globalThis.gc = vm.runInNewContext('gc');
}

// --smoke: 50 and 200 users, 200 open challenges, passes of 25, 0.3 s per workload.
const SMALL = SMOKE ? 50 : 1_000;
const LARGE = Number(process.env.BENCH_GROWTH_USERS ?? (SMOKE ? 200 : 100_000));
const CHALLENGES = SMOKE ? 200 : 10_000;
const PASS = SMOKE ? 25 : 250; // verifications per pass (distinct users); small passes alternate often, averaging out machine noise
const SECONDS = Number(process.env.BENCH_GROWTH_SECONDS ?? (SMOKE ? 0.3 : 3));
const CONCURRENCY = 16;

async function snapshot(opened) {
  await collectGarbage();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, store: await opened.sizeBytes() };
}

const perTen = (a, b, count) => ({
  heapUsed: round(((b.heapUsed - a.heapUsed) / count) * 10_000),
  rss: round(((b.rss - a.rss) / count) * 10_000),
  store: round(((b.store - a.store) / count) * 10_000),
});

/** Runs `job(0 … count-1)` with `CONCURRENCY` in flight (no array of closures to skew the heap). */
async function pool(count, job) {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await job(next++);
  }));
}

async function verify(mfa, clock, secrets, i) {
  const sub = `user-${i}`;
  const started = await postAs(mfa, i, '/challenges', { resource: 'payments', action: 'transfer', force: true });
  if (started.status !== 201) throw new Error(`challenge for ${sub}: ${started.status} ${await started.text()}`);
  const ch = await started.json();
  const code = codeFor(secretOf(secrets, i), stepOf(clock.now));
  const res = await postAs(mfa, i, `/challenges/${ch.challengeId}/resume`, { answers: [{ guid: ch.challenges[0].guid, value: code }] });
  if (res.status !== 200) throw new Error(`resume for ${sub}: ${res.status} ${await res.text()}`);
  await res.json();
}

/** `count` distinct random users among the first `enrolled`. */
function sample(enrolled, count) {
  const chosen = new Set();
  while (chosen.size < Math.min(count, enrolled)) chosen.add(Math.floor(Math.random() * enrolled));
  return [...chosen];
}

/** One pass: the clock moves to a new step, then each of `users` verifies once. */
async function pass(server, users) {
  server.clock.now += 30_000; // every user has a fresh code
  await pool(users.length, (k) => verify(server.mfa, server.clock, server.secrets, users[k]));
  return users.length;
}

/**
 * Verification throughput in three workloads, measured in short alternating passes of PASS
 * verifications (order rotated every round) so that changes in the machine's load fall on all
 * alike; the figure is the median pass.
 *   small  — the 1,000-user server, its users round robin;
 *   active — the 100,000-user server, a fixed set of 1,000 users (chosen at random once, so their
 *            rows are spread through the store) round robin: the same work as "small", only the
 *            store around it is 100× larger;
 *   random — the 100,000-user server, new random users every pass (most of them verify for the
 *            first time, which writes rows the others only update).
 */
async function throughput(small, large) {
  /** The next PASS users of a fixed list, round robin (each is verified again every list/PASS passes). */
  const cycle = (list) => {
    let at = 0;
    return () => Array.from({ length: PASS }, () => list[at++ % list.length]);
  };
  const workloads = [
    { id: 'small', server: small, users: cycle(Array.from({ length: small.enrolled }, (_, i) => i)) },
    { id: 'active', server: large, users: cycle(sample(large.enrolled, SMALL)) },
    { id: 'random', server: large, users: () => sample(large.enrolled, PASS) },
  ];
  for (const w of workloads) await pass(w.server, w.users()); // warm-up
  const acc = workloads.map(() => ({ done: 0, ms: 0, rates: [], cpuUs: 0 }));
  const started = performance.now();
  for (let round = 0; performance.now() - started < workloads.length * SECONDS * 1000; round++) {
    for (let j = 0; j < workloads.length; j++) {
      const k = (j + round) % workloads.length; // rotate the order: no workload always goes first
      const w = workloads[k];
      const users = w.users();
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const n = await pass(w.server, users);
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      // This process's CPU (every thread, SQLite's checkpoint worker included): what load from
      // elsewhere on the machine barely moves, unlike the rate.
      acc[k].cpuUs += cpu.user + cpu.system;
      acc[k].done += n;
      acc[k].ms += ms;
      acc[k].rates.push((n / ms) * 1000);
    }
  }
  // The median pass: a burst of load from elsewhere on the machine spoils a few passes, not the figure.
  const rate = ({ done, ms, rates, cpuUs }) => ({
    verificationsPerSecond: round(median(rates)),
    cpuUsPerVerification: round(cpuUs / done, 1),
    overallPerSecond: round(done / (ms / 1000)),
    passes: rates.length,
    verifications: done,
    seconds: round(ms / 1000, 2),
  });
  return Object.fromEntries(workloads.map((w, k) => [w.id, rate(acc[k])]));
}

async function openServer(kind, redis, db, users, pg) {
  const clock = { now: Date.now() };
  const opened = await openStore(kind, { redis, db, pg });
  const mfa = await createBenchServer(opened.store, clock);
  const jwks = await mfa.app.request('/jwks.json'); // the signing key exists before anything is measured
  if (jwks.status !== 200) throw new Error(`jwks.json: ${jwks.status}`);
  await jwks.arrayBuffer();
  return { kind, opened, mfa, clock, secrets: Buffer.alloc(users * SECRET_BYTES), enrolled: 0 };
}

async function runStore(kind, redis, pg) {
  const t0 = performance.now();
  // Enrollments in flight at once (SQLite is synchronous, but the requests' own work interleaves).
  const concurrency = kind === 'sqlite' ? 16 : 64;
  // Two servers side by side: one stays at SMALL users, the other grows to LARGE (on Redis: two
  // logical databases of the same redis-server, so each has its own keyspace).
  // On Postgres: two databases of the same cluster.
  const small = await openServer(kind, redis, 0, SMALL, pg);
  const large = await openServer(kind, redis, 1, LARGE, pg);
  try {
    for (const server of [small, large]) {
      await enrollUsers(server.mfa, server.clock, { first: 0, count: SMALL, secrets: server.secrets, concurrency });
      server.enrolled = SMALL;
    }
    const atSmall = await snapshot(large.opened);
    const seedStarted = performance.now();
    await enrollUsers(large.mfa, large.clock, {
      first: SMALL, count: LARGE - SMALL, secrets: large.secrets, concurrency,
      onProgress: (n) => process.stdout.write(`\r${kind}: ${fmt(SMALL + n)} users enrolled`),
    });
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    process.stdout.write('\n');
    large.enrolled = LARGE;
    const atLarge = await snapshot(large.opened);
    // Postgres: measure once the one-off autovacuum/ANALYZE of the freshly seeded tables is over
    // (docs/performance.md "bench:growth"); both servers wait alike.
    for (const server of [small, large]) await server.opened.settle?.();

    const tp = await throughput(small, large);
    console.log(`${kind}: verifications/s: ${fmt(tp.small.verificationsPerSecond)} at ${fmt(SMALL)} users; at ${fmt(LARGE)}: ${fmt(tp.active.verificationsPerSecond)} (same ${fmt(SMALL)} active users), ${fmt(tp.random.verificationsPerSecond)} (random users)`);
    console.log(`${kind}: CPU µs per verification (this process): ${tp.small.cpuUsPerVerification} at ${fmt(SMALL)} users; at ${fmt(LARGE)}: ${tp.active.cpuUsPerVerification} (same active), ${tp.random.cpuUsPerVerification} (random)`);

    const beforeChallenges = await snapshot(large.opened);
    await pool(CHALLENGES, async (k) => {
      const i = (k * 7919) % LARGE;
      const res = await postAs(large.mfa, i, '/challenges', { resource: 'payments', action: 'transfer', force: true });
      if (res.status !== 201) throw new Error(`challenge: ${res.status}`);
      await res.arrayBuffer();
    });
    const afterChallenges = await snapshot(large.opened);

    return {
      store: kind,
      storeLabel: large.opened.label,
      snapshots: { atSmall, atLarge, beforeChallenges, afterChallenges },
      per10kUsers: perTen(atSmall, atLarge, LARGE - SMALL),
      per10kOpenChallenges: perTen(beforeChallenges, afterChallenges, CHALLENGES),
      bulkEnrollment: { users: LARGE - SMALL, seconds: round(seedSeconds, 1), perSecond: round((LARGE - SMALL) / seedSeconds), concurrency },
      throughput: {
        atSmall: { users: SMALL, ...tp.small },
        atLargeSameActiveUsers: { users: LARGE, ...tp.active },
        atLargeRandomUsers: { users: LARGE, ...tp.random },
        ratioLargeToSmall: round(tp.active.verificationsPerSecond / tp.small.verificationsPerSecond, 3),
        ratioLargeRandomToSmall: round(tp.random.verificationsPerSecond / tp.small.verificationsPerSecond, 3),
        // The same comparison in CPU per verification (small ÷ large: above 1 means the large store costs less).
        cpuRatioLargeToSmall: round(tp.small.cpuUsPerVerification / tp.active.cpuUsPerVerification, 3),
        cpuRatioLargeRandomToSmall: round(tp.small.cpuUsPerVerification / tp.random.cpuUsPerVerification, 3),
      },
      seconds: round((performance.now() - t0) / 1000, 1),
    };
  } finally {
    await small.opened.close();
    await large.opened.close();
  }
}

await main('growth', async () => {
  ensureBuilt(['dist/server/index.js']);
  console.log(`bench:growth — ${fmt(SMALL)} then ${fmt(LARGE)} enrolled users, ${fmt(CHALLENGES)} open challenges; throughput in passes of ${fmt(PASS)} distinct users, ${SECONDS} s, ${CONCURRENCY} in flight`);
  const redis = await startRedis();
  if (!redis.available) console.log(`bench:growth — Redis skipped: ${redis.reason}`);
  const pg = await startPostgres();
  if (!pg.available) console.log(`bench:growth — Postgres skipped: ${pg.reason}`);
  const results = [];
  try {
    // BENCH_GROWTH_STORES=postgres,redis runs only those rows (a long full run of one store).
    const only = process.env.BENCH_GROWTH_STORES?.split(',');
    const want = (kind) => !only || only.includes(kind);
    if (want('sqlite')) results.push(await runStore('sqlite'));
    if (redis.available && want('redis')) results.push(await runStore('redis', redis));
    if (pg.available && want('postgres')) results.push(await runStore('postgres', undefined, pg));
    if (pg.available && redis.available && want('postgres+redis')) results.push(await runStore('postgres+redis', redis, pg));
  } finally {
    await redis.stop?.();
    await pg.stop?.();
  }

  const rows = results.map((r) => [
    r.store,
    fmtBytes(r.per10kUsers.heapUsed),
    fmtBytes(r.per10kUsers.store),
    fmtBytes(r.per10kOpenChallenges.heapUsed),
    fmtBytes(r.per10kOpenChallenges.store),
    fmt(r.throughput.atSmall.verificationsPerSecond),
    `${fmt(r.throughput.atLargeSameActiveUsers.verificationsPerSecond)} (${r.throughput.ratioLargeToSmall.toFixed(2)}×)`,
    `${fmt(r.throughput.atLargeRandomUsers.verificationsPerSecond)} (${r.throughput.ratioLargeRandomToSmall.toFixed(2)}×)`,
  ]);
  if (!redis.available) rows.push(['redis', 'skipped', '—', '—', '—', '—', '—', '—']);
  if (!pg.available) rows.push(['postgres', 'skipped', '—', '—', '—', '—', '—', '—']);
  printTable(
    'Growth (in process; heap after full GC; store = SQLite file size / Redis used_memory / Postgres pg_database_size (+ used_memory when split))',
    ['store', 'heap / 10k users', 'store / 10k users', 'heap / 10k challenges', 'store / 10k challenges', `verif./s @ ${fmt(SMALL)} users`, `@ ${fmt(LARGE)}, same ${fmt(SMALL)} active`, `@ ${fmt(LARGE)}, random users`],
    rows,
  );
  if (!redis.available) console.log(`redis: skipped: ${redis.reason}`);
  for (const r of results) console.log(`${r.store}: ${fmt(r.bulkEnrollment.users)} users added in ${r.bulkEnrollment.seconds} s (${fmt(r.bulkEnrollment.perSecond)}/s)`);

  writeResult('growth', {
    machine: machineInfo({ redisServer: redis.available ? redis.version : redisServerVersion() }),
    config: { smallUsers: SMALL, largeUsers: LARGE, workloads: 'small = all 1,000 users per pass; active = fixed random 1,000 of the large server per pass; random = new random 1,000 per pass', openChallenges: CHALLENGES, usersPerPass: PASS, seconds: SECONDS, concurrency: CONCURRENCY, path: 'in process through mfa.app.request (no sockets)' },
    redis: redis.available ? { available: true, version: redis.version } : { available: false, skipped: redis.reason },
    postgres: pg.available ? { available: true, version: pg.version } : { available: false, skipped: pg.reason },
    results,
  });
});
