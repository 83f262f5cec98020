// Prints the "Latest figures" section of docs/performance.md as Markdown, from bench/results/*.json
// (run `npm run bench` first): `node bench/report.mjs > /tmp/figures.md`, then paste.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR, fmt } from './lib/common.mjs';

const load = (name) => {
  const file = join(RESULTS_DIR, `${name}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
};
const table = (header, rows) => [
  `| ${header.join(' | ')} |`,
  `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ...rows.map((r) => `| ${r.map((c) => String(c).replace(/</g, '&lt;')).join(' | ')} |`),
].join('\n');
const kib = (n) => `${fmt(n / 1024, 1)} KiB`;
const mib = (n) => (Math.abs(n) >= 1048576 ? `${fmt(n / 1048576, 1)} MiB` : kib(n));
const out = [];

const all = load('run-all');
const totp = load('totp');
const m = (all ?? totp)?.machine;
if (m) {
  out.push(`Run finished ${(all ?? totp).date.slice(0, 16).replace("T", " ")} UTC: \`npm run bench\`${all ? ` (all five in ${Math.floor(all.totalSeconds / 60)} min ${Math.round(all.totalSeconds % 60)} s)` : ''} on ${m.cpuCount} × ${m.cpuModel}, ${fmt(m.totalMemoryMiB / 1024, 0)} GiB, Node ${m.node}, ${m.platform}; 1-minute load average ${m.loadAverageAtStart ? `${m.loadAverageAtStart[0]} at the start, ` : ''}${m.loadAverageAtEnd[0]} at the end (other work was running on the machine when it is above ~2).`);
  if (all) out.push('', table(['benchmark', 'seconds'], [...all.runs.map((r) => [`bench:${r.name}`, r.seconds.toFixed(1)]), ['**total**', `**${all.totalSeconds.toFixed(1)}**`]]));
}

if (totp) {
  out.push('', `### TOTP verification (\`bench:totp\`)`, '');
  out.push(table(['implementation', 'version', 'verifications/s (median of 5)', 'min – max', 'ours ÷ this'], totp.results.map((r) => [
    r.id === 'ours' ? `**${r.name}**` : r.name, r.version, fmt(r.verificationsPerSecond.median),
    `${fmt(r.verificationsPerSecond.min)} – ${fmt(r.verificationsPerSecond.max)}`, r.id === 'ours' ? '1.00×' : `${r.oursDividedByThis.median.toFixed(2)}×`,
  ])));
  out.push('', `\`ratioToBaseline\` = **${totp.ratioToBaseline}** (target ≥ 0.9: ${totp.targets.ratioToBaseline.met ? 'met' : 'missed'}); \`ratioToOtplib\` = **${totp.ratioToOtplib}** (target ≥ 4: ${totp.targets.ratioToOtplib.met ? 'met' : 'missed'}).`);
}

const server = load('server');
if (server) {
  out.push('', `### Server over HTTP (\`bench:server\`)`, '');
  const rows = [];
  for (const r of server.results) {
    rows.push([`bare Hono JSON route (next to ${r.store})`, fmt(r.bare.requestsPerSecond), '—', `${r.bare.latencyMs.p50} / ${r.bare.latencyMs.p99}`, '—']);
    rows.push([`**verify round trip, ${r.store}**`, fmt(r.flow.httpRequestsPerSecond), `**${fmt(r.flow.roundTripsPerSecond)}**`, `${r.flow.httpLatencyMs.p50} / ${r.flow.httpLatencyMs.p99}`, `${r.flow.roundTripLatencyMs.p50} / ${r.flow.roundTripLatencyMs.p99}`]);
  }
  if (!server.redis.available) rows.push(['verify round trip, redis', `skipped: ${server.redis.skipped}`, '—', '—', '—']);
  out.push(table(['target', 'HTTP requests/s', 'verifications/s', 'request p50 / p99 (ms)', 'round trip p50 / p99 (ms)'], rows));
}

const size = load('size');
if (size) {
  out.push('', `### Bundle size (\`bench:size\`)`, '');
  out.push(table(['bundle', 'version', 'minified', 'gzip -9', 'brotli 11', '× ours (brotli)', 'lazy chunks (brotli)'], size.results.map((r) => [
    r.id === 'ours-prompt' ? `**${r.name}**` : r.name, r.version, fmt(r.initial.minified), fmt(r.initial.gzip), fmt(r.initial.brotli),
    `${r.brotliVsOursPrompt.toFixed(2)}×`, r.lazy.files ? `${fmt(r.lazy.brotli)} in ${r.lazy.files} files` : '—',
  ])));
  out.push('', `Descope before any UI component: web component + UI loader = ${fmt(size.descopeWithUiLoaderBrotli)} B brotli (${(size.descopeWithUiLoaderBrotli / size.oursPromptBrotli).toFixed(2)}× ours). Bytes; "initial" = the entry and its static imports.`);
}

const open = load('open');
if (open) {
  out.push('', `### Time to open (\`bench:open\`, Chromium ${open.machine.chromium})`, '');
  const ids = Object.keys(open.results['no-preference']);
  out.push(table(['page', 'median (ms)', 'p90', 'reduced motion: median', 'p90', 'from navigation: median'], ids.map((id) => {
    const a = open.results['no-preference'][id];
    const b = open.results.reduce[id];
    return [id === 'ours' ? `**${a.name}**` : a.name, a.fromBundleStartMs.median.toFixed(1), a.fromBundleStartMs.p90.toFixed(1), b.fromBundleStartMs.median.toFixed(1), b.fromBundleStartMs.p90.toFixed(1), a.fromNavigationMs.median.toFixed(1)];
  })));
  for (const id of ['ours', 'oursCold', 'oursFetch']) {
    const r = open.results['no-preference'][id];
    const req = r?.challengeRequestMs;
    const g = r?.guardedRequestMs;
    if (req) out.push('', `${r.name}: ${g ? `the route's 401 request leaves at ${g.sentAt.median} ms and is answered at ${g.answeredAt.median} ms; ` : ''}the challenge request leaves at ${req.sentAt.median} ms and is answered at ${req.answeredAt.median} ms after bundle start; the code input has focus at ${r.fromBundleStartMs.median} ms (medians).`);
  }
}

const growth = load('growth');
if (growth) {
  out.push('', `### Growth (\`bench:growth\`)`, '');
  const rows = growth.results.map((r) => [
    r.store, mib(r.per10kUsers.heapUsed), mib(r.per10kUsers.store), mib(r.per10kOpenChallenges.heapUsed), mib(r.per10kOpenChallenges.store),
    fmt(r.throughput.atSmall.verificationsPerSecond),
    `${fmt(r.throughput.atLargeSameActiveUsers.verificationsPerSecond)} (${r.throughput.ratioLargeToSmall.toFixed(2)}×)`,
    `${fmt(r.throughput.atLargeRandomUsers.verificationsPerSecond)} (${r.throughput.ratioLargeRandomToSmall.toFixed(2)}×)`,
    // CPU per verification (small ÷ large): what load elsewhere on the machine barely moves.
    r.throughput.cpuRatioLargeToSmall === undefined ? '—'
      : `${fmt(r.throughput.atSmall.cpuUsPerVerification)} / ${fmt(r.throughput.atLargeSameActiveUsers.cpuUsPerVerification)} / ${fmt(r.throughput.atLargeRandomUsers.cpuUsPerVerification)} (${r.throughput.cpuRatioLargeToSmall.toFixed(2)}×, ${r.throughput.cpuRatioLargeRandomToSmall.toFixed(2)}×)`,
  ]);
  if (!growth.redis.available) rows.push(['redis', `skipped: ${growth.redis.skipped}`, '', '', '', '', '', '', '']);
  out.push(table(['store', 'heap / 10k users', 'store / 10k users', 'heap / 10k open challenges', 'store / 10k open challenges', `verif./s, ${fmt(growth.config.smallUsers)} users`, `${fmt(growth.config.largeUsers)} users, same 1,000 active`, `${fmt(growth.config.largeUsers)} users, random users`, 'CPU µs / verification: small / same active / random (small ÷ large)'], rows));
}

console.log(out.join('\n'));
