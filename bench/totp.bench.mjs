// bench:totp — verifications per second of the server's TOTP verifier next to otplib, otpauth,
// speakeasy and a bare node:crypto loop, all in this one process, interleaved.
//
// One "verification" is what the server does per submitted code: the codes of steps T-1, T, T+1
// (RFC 6238, SHA1, 6 digits, 30 s) and a comparison with the submitted one. The data set is
// 200,000 codes over 1,000 secrets at spread-out times: every second one is valid (for T-1, T or
// T+1 in turn), the others are random codes that match no step of the window, so a verifier that
// stops at the first match still has to compute the whole window for them. Every implementation
// gets the raw secret bytes (no base32 decoding in the timed loop) and the same (secret, code, time).
//
// Before timing, every implementation must agree with an independent reference on the first
// 2,000 codes and accept the RFC 6238 SHA1 vector (t = 59 s, 8 digits → 94287082).
// Timing: a warm-up pass, then 5 runs; each run walks the 200,000 codes in blocks of 2,000 and
// times every implementation on each block, in an order that rotates from block to block, so
// noise from the machine (other processes, frequency changes) falls on all of them alike.
// Ratios are per run (same blocks, same moments) and the reported figure is their median.
import { createHash, createHmac } from 'node:crypto';
import { totpCodeAt } from '../test/helpers/otp.mjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, SMOKE, fmt, machineInfo, main, median, printTable, round, writeResult } from './lib/common.mjs';
import { ensurePackages, scratchImport, scratchRequire } from './lib/scratch.mjs';

// --smoke: 10,000 codes (5 blocks: the every-5th-block row still gets one per run), 2 runs.
const CODES = Number(process.env.BENCH_TOTP_CODES ?? (SMOKE ? 10_000 : 200_000));
const RUNS = Number(process.env.BENCH_TOTP_RUNS ?? (SMOKE ? 2 : 5));
const BLOCK = 2_000;
const AGREE = 2_000;
const WARMUP = Math.min(CODES, 20_000);
const SECRETS = 1_000;
const PERIOD_MS = 30_000;
const T0 = 1_900_000_000_000; // a fixed moment (2030), so runs are comparable

/** Independent reference (what an authenticator app computes): the tests' one OTP oracle, shared with no implementation. */
const referenceCode = (secret, step, digits = 6) => totpCodeAt(secret, step, digits);

/** The data set: deterministic, so every run and every machine verifies the same codes. */
function makeDataSet(rfcSecret) {
  const secrets = Array.from({ length: SECRETS }, (_, i) => createHash('sha1').update(`mfa-elements bench secret ${i}`).digest());
  secrets.push(rfcSecret); // index SECRETS: the RFC 6238 seed, for the vector check
  const secretIndex = new Uint16Array(CODES);
  const times = new Float64Array(CODES);
  const codes = new Array(CODES);
  const expected = new Float64Array(CODES); // matched step, or -1
  for (let i = 0; i < CODES; i++) {
    const k = (i * 7) % SECRETS;
    const t = T0 + i * 7_919; // ~1 code per 8 s of clock: times spread over ~18 days
    const step = Math.floor(t / PERIOD_MS);
    secretIndex[i] = k;
    times[i] = t;
    if (i % 2 === 0) {
      const s = step + ((i / 2) % 3) - 1;
      codes[i] = referenceCode(secrets[k], s);
      expected[i] = s;
    } else {
      const window = new Set([-1, 0, 1].map((o) => referenceCode(secrets[k], step + o)));
      let n = createHash('sha256').update(`code ${i}`).digest().readUInt32BE(0) % 1_000_000;
      while (window.has(String(n).padStart(6, '0'))) n = (n + 1) % 1_000_000;
      codes[i] = String(n).padStart(6, '0');
      expected[i] = -1;
    }
  }
  return { secrets, secretIndex, times, codes, expected };
}

/** Our verifier: the source as it is now (via tsx), or dist/ with BENCH_TOTP_FROM=dist. */
async function loadOurs() {
  if (process.env.BENCH_TOTP_FROM === 'dist') {
    const mod = await import(pathToFileURL(join(ROOT, 'dist/server/index.js')).href);
    return { mod, from: 'dist/server/index.js (matchTotpStep, the public export)' };
  }
  const { tsImport } = await import('tsx/esm/api');
  const mod = await tsImport(pathToFileURL(join(ROOT, 'src/server/totp/totp.ts')).href, import.meta.url);
  return { mod, from: 'src/server/totp/totp.ts (loaded with tsx)' };
}

/**
 * Each implementation: `verify(secretIndex, code, timeMs, digits)` → matched step, -1 for no
 * match, or `true` when the library only says "valid" without the step.
 */
async function implementations(data, versions) {
  const { mod: ours, from } = await loadOurs();
  const otplib = await scratchImport('otplib');
  const { NodeCryptoPlugin } = await scratchImport('@otplib/plugin-crypto-node');
  const OTPAuth = await scratchImport('otpauth');
  const speakeasy = scratchRequire('speakeasy');

  const secrets = data.secrets;
  const params = { 6: { algorithm: 'SHA1', digits: 6, period: 30 }, 8: { algorithm: 'SHA1', digits: 8, period: 30 } };
  const nodeCrypto = new NodeCryptoPlugin();
  // otpauth wants a Secret object; building it from the bytes is what a server does once per user.
  const otpauthSecrets = secrets.map((s) => new OTPAuth.Secret({ buffer: new Uint8Array(s).buffer }));
  const stepOf = (t) => Math.floor(t / PERIOD_MS);

  // The bare loop: 3 × (HMAC-SHA1 of the counter + dynamic truncation), string comparison, no frills.
  const msg = Buffer.alloc(8);
  const POW = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
  const bare = (k, code, t, digits = 6) => {
    const now = stepOf(t);
    let hit = -1;
    for (let s = now - 1; s <= now + 1; s++) {
      msg.writeUInt32BE(Math.floor(s / 0x100000000), 0);
      msg.writeUInt32BE(s >>> 0, 4);
      const mac = createHmac('sha1', secrets[k]).update(msg).digest();
      const o = mac[19] & 15;
      const bin = ((mac[o] & 0x7f) << 24) | (mac[o + 1] << 16) | (mac[o + 2] << 8) | mac[o + 3];
      if (String(bin % POW[digits]).padStart(digits, '0') === code) hit = s;
    }
    return hit;
  };

  return {
    from,
    list: [
      {
        id: 'ours',
        name: 'mfa-elements matchTotpStep',
        version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
        how: 'matchTotpStep(secret, code, now, {SHA1, 6, 30}) — window ±1, constant-time compare of all 3 candidates, newest matching step',
        verify: (k, code, t, digits = 6) => ours.matchTotpStep(secrets[k], code, t, params[digits]) ?? -1,
      },
      {
        id: 'bare',
        name: 'bare node:crypto loop',
        version: process.version,
        how: '3 × createHmac(sha1) + dynamic truncation + string ===, no validation',
        verify: bare,
      },
      {
        id: 'otplib',
        name: 'otplib',
        version: versions.otplib,
        how: 'verifySync({ secret, token, epoch, epochTolerance: 30 }) — its defaults (@noble/hashes crypto plugin); v13 replaced v12\'s authenticator.check',
        verify: (k, code, t, digits = 6) => {
          const r = otplib.verifySync({ secret: secrets[k], token: code, epoch: Math.floor(t / 1000), epochTolerance: 30, digits });
          return r.valid ? r.timeStep : -1;
        },
      },
      {
        id: 'otplib-node',
        name: 'otplib + node crypto plugin',
        every: 5, // an extra row: timed on every 5th block (40,000 codes per run) to keep the run short
        version: versions['@otplib/plugin-crypto-node'],
        how: 'the same call with crypto: new NodeCryptoPlugin() (@otplib/plugin-crypto-node)',
        verify: (k, code, t, digits = 6) => {
          const r = otplib.verifySync({ secret: secrets[k], token: code, epoch: Math.floor(t / 1000), epochTolerance: 30, digits, crypto: nodeCrypto });
          return r.valid ? r.timeStep : -1;
        },
      },
      {
        id: 'otpauth',
        name: 'otpauth',
        version: versions.otpauth,
        how: 'new TOTP({ secret }).validate({ token, timestamp, window: 1 }) (node:crypto HMAC in its Node build)',
        verify: (k, code, t, digits = 6) => {
          const delta = new OTPAuth.TOTP({ secret: otpauthSecrets[k], algorithm: 'SHA1', digits, period: 30 }).validate({ token: code, timestamp: t, window: 1 });
          return delta === null ? -1 : stepOf(t) + delta;
        },
      },
      {
        id: 'speakeasy',
        name: 'speakeasy',
        version: versions.speakeasy,
        how: 'totp.verifyDelta({ secret, token, time, window: 1 }) (node:crypto HMAC)',
        verify: (k, code, t, digits = 6) => {
          const r = speakeasy.totp.verifyDelta({ secret: secrets[k], token: code, time: t / 1000, window: 1, digits, step: 30 });
          return r === undefined ? -1 : stepOf(t) + r.delta;
        },
      },
    ],
  };
}

/** Every implementation must match the reference on the first codes and pass the RFC vector. */
const VECTORS = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/rfc-otp-vectors.json'), 'utf8'));

function checkAgreement(impls, data) {
  const rfc = VECTORS.totp.vectors.find((v) => v.algorithm === 'SHA1' && v.time === 59 && v.digits === 8);
  if (!rfc || rfc.code !== '94287082') throw new Error('RFC 6238 SHA1 t=59 vector not found in test/fixtures/rfc-otp-vectors.json');
  const problems = [];
  for (const impl of impls) {
    const got = impl.verify(SECRETS, rfc.code, rfc.time * 1000, 8);
    const wrong = impl.verify(SECRETS, '94287083', rfc.time * 1000, 8);
    if (got !== 1) problems.push(`${impl.name}: RFC 6238 t=59 → ${rfc.code} gave ${got}, expected step 1`);
    if (wrong !== -1) problems.push(`${impl.name}: accepted a wrong 8-digit code`);
    for (let i = 0; i < AGREE; i++) {
      const r = impl.verify(data.secretIndex[i], data.codes[i], data.times[i]);
      if (r !== data.expected[i]) {
        problems.push(`${impl.name}: code #${i} (${data.expected[i] === -1 ? 'invalid' : 'valid'}) gave ${r}, expected ${data.expected[i]}`);
        break;
      }
    }
  }
  if (problems.length) throw new Error(`implementations disagree:\n  ${problems.join('\n  ')}`);
  return { codes: AGREE, rfcVector: { time: rfc.time, digits: 8, code: rfc.code, step: 1 } };
}

/** One pass over codes [0, n) in blocks; returns ns spent per implementation. */
function pass(impls, data, n, rotateFrom) {
  const spent = new Array(impls.length).fill(0);
  const valid = new Array(impls.length).fill(0);
  const counted = new Array(impls.length).fill(0);
  const { secretIndex, codes, times } = data;
  for (let b = 0, block = rotateFrom; b < n; b += BLOCK, block++) {
    const end = Math.min(n, b + BLOCK);
    for (let j = 0; j < impls.length; j++) {
      const idx = (j + block) % impls.length;
      if (impls[idx].every && block % impls[idx].every !== 0) continue;
      const verify = impls[idx].verify;
      let hits = 0;
      const t0 = process.hrtime.bigint();
      for (let i = b; i < end; i++) if (verify(secretIndex[i], codes[i], times[i]) !== -1) hits++;
      spent[idx] += Number(process.hrtime.bigint() - t0);
      valid[idx] += hits;
      counted[idx] += end - b;
    }
  }
  return { spent, valid, counted };
}

await main('totp', async () => {
  const versions = ensurePackages('totp');
  console.log(`bench:totp — ${fmt(CODES)} codes × ${RUNS} runs, ${SECRETS} secrets, blocks of ${BLOCK}, implementations interleaved per block`);
  const data = makeDataSet(Buffer.from(VECTORS.totp.secrets.SHA1.ascii, 'ascii'));
  const { list: impls, from } = await implementations(data, versions);
  const agreement = checkAgreement(impls, data);
  console.log(`agreement: all ${impls.length} implementations match the reference on ${AGREE} codes and the RFC 6238 SHA1 vector`);

  pass(impls, data, WARMUP, 0); // warm-up: JIT, caches; not timed
  const rates = impls.map(() => []);
  const codesTimed = impls.map(() => 0);
  for (let run = 0; run < RUNS; run++) {
    const { spent, valid, counted } = pass(impls, data, CODES, run);
    impls.forEach((impl, i) => {
      if (valid[i] !== counted[i] / 2) throw new Error(`${impl.name} accepted ${valid[i]} of ${counted[i]} codes in run ${run + 1}, expected ${counted[i] / 2}`);
      rates[i].push((counted[i] / spent[i]) * 1e9);
      codesTimed[i] = counted[i];
    });
    console.log(`run ${run + 1}/${RUNS}: ${impls.map((impl, i) => `${impl.id} ${fmt(rates[i][run])}/s`).join(', ')}`);
  }

  const at = (id) => impls.findIndex((i) => i.id === id);
  const oursI = at('ours');
  const ratioRuns = (id) => rates[oursI].map((r, run) => r / rates[at(id)][run]);
  const results = impls.map((impl, i) => ({
    id: impl.id,
    name: impl.name,
    version: impl.version,
    how: impl.how,
    codesPerRun: codesTimed[i],
    verificationsPerSecond: { median: round(median(rates[i])), min: round(Math.min(...rates[i])), max: round(Math.max(...rates[i])), runs: rates[i].map((r) => round(r)) },
    nsPerVerification: round(1e9 / median(rates[i]), 1),
    oursDividedByThis: { median: round(median(ratioRuns(impl.id)), 3), runs: ratioRuns(impl.id).map((r) => round(r, 3)) },
  }));
  const ratioToBaseline = round(median(ratioRuns('bare')), 3);
  const ratioToOtplib = round(median(ratioRuns('otplib')), 3);
  const targets = {
    ratioToBaseline: { target: 0.9, value: ratioToBaseline, met: ratioToBaseline >= 0.9 },
    ratioToOtplib: { target: 4, value: ratioToOtplib, met: ratioToOtplib >= 4 },
  };

  printTable(
    `TOTP verification, ${fmt(CODES)} codes (half valid, half matching no step), window ±1, SHA1, 6 digits — median of ${RUNS} interleaved runs`,
    ['implementation', 'version', 'verif./s (median)', 'min–max', 'ns/verif.', 'ours ÷ this'],
    results.map((r) => [
      r.name, r.version, fmt(r.verificationsPerSecond.median),
      `${fmt(r.verificationsPerSecond.min)}–${fmt(r.verificationsPerSecond.max)}`,
      fmt(r.nsPerVerification), r.id === 'ours' ? '1.00×' : `${r.oursDividedByThis.median.toFixed(2)}×`,
    ]),
  );
  for (const r of results.filter((x) => x.codesPerRun !== CODES)) console.log(`${r.name}: timed on ${fmt(r.codesPerRun)} codes per run (every ${CODES / r.codesPerRun}th block)`);
  console.log(`\nratioToBaseline (ours ÷ bare loop) = ${ratioToBaseline}  target ≥ 0.9: ${targets.ratioToBaseline.met ? 'met' : 'MISSED'}`);
  console.log(`ratioToOtplib   (ours ÷ otplib)    = ${ratioToOtplib}  target ≥ 4:   ${targets.ratioToOtplib.met ? 'met' : 'MISSED'}`);

  writeResult('totp', {
    machine: machineInfo(),
    config: { codes: CODES, validCodes: CODES / 2, runs: RUNS, block: BLOCK, warmup: WARMUP, secrets: SECRETS, algorithm: 'SHA1', digits: 6, period: 30, window: 1, ourVerifier: from },
    agreement,
    ratioToBaseline,
    ratioToOtplib,
    ratioToOtplibNodeCrypto: round(median(ratioRuns('otplib-node')), 3),
    ratioToOtpauth: round(median(ratioRuns('otpauth')), 3),
    ratioToSpeakeasy: round(median(ratioRuns('speakeasy')), 3),
    targets,
    results,
  });
});
