/**
 * HOTP hardware tokens (RFC 4226): the key fobs banks issue, whose button shows the next code of
 * a counter. Each code works once: the counter of the last accepted code is the factor's
 * `lastStep`, advanced only by the store's compare-and-set (`advanceLastStep`), so of two
 * instances answering the same code at once exactly one accepts it, and never an older one.
 *
 *  - look-ahead: a code up to `lookAhead` (default 10) presses ahead of the last accepted one is
 *    accepted (the button was pressed without logging in: RFC 4226 §7.4);
 *  - resync: a code further ahead (up to `resyncWindow`, default 100) is not accepted alone;
 *    the challenge then asks for the next code, and two consecutive codes move the counter;
 *  - enrollment with the token's secret (base32, from the vendor's seed file) over
 *    `POST /mfa/factors {type:'hotp', secret}`, confirmed by a code; or server-side with
 *    `importHotpToken` (an admin importing the fobs it handed out), confirmed at once.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { factorLabel } from './factor-label.js';
import { MfaError } from '../../core/errors.js';
import { parseCodeOfLength } from '../../core/code-format.js';
import { strengthOf } from '../../core/factor-strength.js';
import { nextStep } from '../challenge-refs.js';
import { saveStep, type ChallengeState } from '../challenge-state.js';
import type { MfaContext } from '../config.js';
import type { StoredFactor, TotpAlgorithm } from '../stores/store.js';
import { base32Decode } from '../totp/base32.js';
import { hotp } from '../totp/totp.js';
import { assertNotLocked, attemptCode } from './attempt.js';
import { notFound, type ServerFactor } from './server-factor.js';
import { codeStep } from './totp-factor.js';

export interface HotpOptions {
  /** Presses ahead of the last accepted code that are accepted at once (default 10). */
  lookAhead?: number;
  /** How far ahead two consecutive codes may resynchronize the counter (default 100). */
  resyncWindow?: number;
}

export interface HotpTokenInput {
  sub: string;
  /** The token's secret: base32 (as vendors' seed files give it) or bytes. */
  secret: string | Uint8Array;
  /** The counter of the next code the token will show (default 0). */
  counter?: number;
  digits?: number;
  algorithm?: TotpAlgorithm;
  label?: string;
}

const DEFAULT_LABEL = 'Security token';
const STEP_LABEL = 'Enter the code shown on your security token';
const NEXT_LABEL = 'Press the button again and enter the next code';
const aad = (f: Pick<StoredFactor, 'sub' | 'id'>) => `hotp:${f.sub}:${f.id}`;

/** A stored (pending or confirmed) token factor. */
function tokenFactor(ctx: MfaContext, input: HotpTokenInput, confirmed: boolean): StoredFactor {
  const secret = typeof input.secret === 'string' ? base32Decode(input.secret.replace(/[\s-]/g, '').toUpperCase()) : input.secret;
  if (secret.length < 16) throw new MfaError('malformed_request', 'secret: a token secret has at least 128 bits');
  const id = randomUUID();
  return {
    id, sub: input.sub, type: 'hotp', label: input.label ?? DEFAULT_LABEL,
    secretEnc: ctx.box.seal(Buffer.from(secret), aad({ sub: input.sub, id })),
    algorithm: input.algorithm ?? 'SHA1', digits: input.digits ?? 6, period: 0,
    confirmed, createdAt: ctx.now(), lastUsedAt: null,
    // `lastStep` is the counter of the last accepted code: none yet, so one before the next.
    lastStep: (input.counter ?? 0) - 1,
  };
}

/**
 * The first counter in (from, to] whose code is `code`, or null. Every candidate is computed and
 * compared in constant time, so the time taken does not say where (or whether) it matched.
 */
function findCounter(secret: Uint8Array, f: StoredFactor, code: string, from: number, to: number): number | null {
  const given = Buffer.from(code);
  let found: number | null = null;
  for (let c = from + 1; c <= to; c++) {
    const same = timingSafeEqual(Buffer.from(hotp(secret, c, f.digits, f.algorithm)), given);
    if (same && found === null) found = c;
  }
  return found;
}

function parseHotpCode(value: string, digits: number): string {
  const code = parseCodeOfLength(value, digits);
  if (code === null) throw new MfaError('malformed_code', `Enter the ${digits}-digit code shown on your security token.`);
  return code;
}

/** Records a right code that was accepted already (here or on another instance): someone replays it. */
const replay = (ctx: MfaContext, f: StoredFactor) =>
  ctx.audit.record({ type: 'verify.replay', sub: f.sub, factor: 'hotp', status: 'failure', severity: 'warning', metadata: { factorId: f.id } });

/**
 * Accepts counter `c` once, across instances: true, or 'used' when another answer took it (or a
 * newer one) first — the user is told to wait for the next code, as with TOTP.
 */
async function accept(ctx: MfaContext, f: StoredFactor, c: number | null): Promise<boolean | 'used'> {
  if (c === null) return false;
  if (await ctx.store.advanceLastStep(f.sub, f.id, c, ctx.now())) return true;
  await replay(ctx, f);
  return 'used';
}

interface ResyncState extends ChallengeState {
  /** The counter the first of the two codes matched. */
  counter: number;
}

export function hotpFactor(options: HotpOptions = {}): ServerFactor {
  const lookAhead = options.lookAhead ?? 10;
  const resyncWindow = options.resyncWindow ?? 100;

  /** Checks `code` for the factor as stored now: a match in the look-ahead window is accepted. */
  const check = (ctx: MfaContext, f: StoredFactor, code: string, window = lookAhead) => {
    const secret = ctx.box.open(f.secretEnc, aad(f));
    try {
      return findCounter(secret, f, code, f.lastStep, f.lastStep + window);
    } finally {
      secret.fill(0);
    }
  };

  /**
   * True when `code` is one of the last `lookAhead` codes this token had accepted (a code counts
   * as used only once the token accepted one: an imported token's earlier presses never were).
   */
  const used = (ctx: MfaContext, f: StoredFactor, code: string) => {
    const from = Math.max(-1, f.lastStep - lookAhead); // counters start at 0
    return f.lastUsedAt !== null && check(ctx, { ...f, lastStep: from }, code, f.lastStep - from) !== null;
  };

  /** True when `code` is the token's code for counter `c` (constant time). */
  const codeMatches = (ctx: MfaContext, f: StoredFactor, code: string, c: number) => {
    const secret = ctx.box.open(f.secretEnc, aad(f));
    try {
      return timingSafeEqual(Buffer.from(hotp(secret, c, f.digits, f.algorithm)), Buffer.from(code));
    } finally {
      secret.fill(0);
    }
  };

  async function current(ctx: MfaContext, sub: string, id: string): Promise<StoredFactor> {
    const f = await ctx.store.getFactor(sub, id);
    if (!f || !f.confirmed || f.type !== 'hotp') throw notFound(); // removed meanwhile
    return f;
  }

  return {
    type: 'hotp',
    amr: 'otp',
    strength: strengthOf('hotp'),
    kinds: ['hotp', 'hotp-resync'],
    // <mfa-enroll> has no form for a token's secret: tokens are added over the API or imported.
    offered: false,
    enrollInput: z.strictObject({
      type: z.literal('hotp'),
      secret: z.string().min(16).max(128).regex(/^[A-Za-z2-7\s=-]+$/, 'base32 letters and digits only'),
      counter: z.number().int().min(0).max(2 ** 48).optional(),
      digits: z.number().int().min(6).max(8).optional(),
      algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']).optional(),
      label: factorLabel.optional(),
    }),

    async enroll({ ctx, scope }, input: Omit<HotpTokenInput, 'sub'>) {
      const factor = tokenFactor(ctx, { ...input, sub: scope.user.sub }, false);
      await ctx.store.insertFactor(factor);
      return { factorId: factor.id, type: 'hotp', digits: factor.digits };
    },

    async confirm({ ctx }, { pending: f, input }) {
      if (!f) throw new MfaError('not_found', 'No such pending factor. Start again.');
      if (input.code === undefined) throw new MfaError('malformed_request', 'Send the code.');
      const code = parseHotpCode(input.code, f.digits);
      await attemptCode(ctx, f.sub, f.id, () => accept(ctx, f, check(ctx, f, code)), 'hotp');
      return f;
    },

    async challenge({ ctx }, { draft, factor }) {
      await assertNotLocked(ctx, draft.sub, factor!.id);
      const challenge = await saveStep(ctx, { ...draft, factorId: factor!.id }, { kind: 'hotp' });
      return { challenge, step: codeStep(factor!.digits, draft.stepGuid, STEP_LABEL) };
    },

    async verify({ ctx }, challenge, state, value) {
      const f = await current(ctx, challenge.sub, challenge.factorId);
      const code = parseHotpCode(value, f.digits);
      if (state.kind === 'hotp-resync') {
        // The second of two consecutive codes: exactly the press after the first one.
        const next = (state as ResyncState).counter + 1;
        await attemptCode(ctx, f.sub, f.id, () => accept(ctx, f, next > f.lastStep && codeMatches(ctx, f, code, next) ? next : null), 'hotp');
        await ctx.audit.record({ type: 'hotp.resynced', sub: f.sub, factor: 'hotp', metadata: { factorId: f.id, skipped: next - f.lastStep - 2 } });
        return { amr: 'otp' };
      }
      let ahead = null as number | null;
      // A code beyond the look-ahead window proves little alone (1 in 10^6 per counter tried): it
      // only opens the resync step and, like an intermediate KBA answer, resets no failures.
      await attemptCode(ctx, f.sub, f.id, async () => {
        const c = check(ctx, f, code);
        if (c !== null) return accept(ctx, f, c);
        if (used(ctx, f, code)) return replay(ctx, f).then(() => 'used' as const);
        ahead = check(ctx, f, code, resyncWindow);
        return ahead !== null;
      }, 'hotp', () => ahead === null);
      if (ahead === null) return { amr: 'otp' };
      const resync: ResyncState = { kind: 'hotp-resync', counter: ahead };
      const stored = await saveStep(ctx, { ...challenge, stepGuid: randomUUID() }, resync, challenge.state);
      return { next: await nextStep(ctx, stored, f, codeStep(f.digits, stored.stepGuid, NEXT_LABEL)) };
    },
  };
}

/**
 * Server-side import of a token the app handed out (an admin tool, a batch of a vendor's seed
 * file): stored confirmed at once, no code needed. Returns the factor id. Recovery codes are not
 * issued here; the user regenerates them in the console.
 */
export async function importHotpToken(ctx: MfaContext, input: HotpTokenInput): Promise<string> {
  const factor = tokenFactor(ctx, input, true);
  await ctx.store.insertFactor(factor);
  await ctx.audit.record({ type: 'factor.enrolled', sub: input.sub, factor: 'hotp', metadata: { factorId: factor.id, imported: true } });
  return factor.id;
}
