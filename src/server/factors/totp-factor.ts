/**
 * The TOTP factor (an authenticator app, RFC 6238): a pending factor with a fresh sealed secret,
 * confirmed by a first code; a code is checked under the replay rule (a step is accepted only
 * if newer than the last accepted one, atomically across instances).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { factorLabel } from './factor-label.js';
import { MfaError } from '../../core/errors.js';
import { strengthOf } from '../../core/factor-strength.js';
import { parseCodeOfLength } from '../../core/code-format.js';
import type { ChallengeStep, TotpEnrollment } from '../../core/types.js';
import { saveStep, type ChallengeState } from '../challenge-state.js';
import type { MfaContext } from '../config.js';
import type { StoredFactor } from '../stores/store.js';
import { base32Encode } from '../totp/base32.js';
import { generateSecret, matchTotpStep, otpauthUri } from '../totp/totp.js';
import { assertNotLocked, attemptCode } from './attempt.js';
import { notFound, type ServerFactor } from './server-factor.js';

export const TOTP_AMR = 'otp';
export const DEFAULT_TOTP_LABEL = 'Authenticator app';

const secretAad = (factor: Pick<StoredFactor, 'sub' | 'id'>) => `totp:${factor.sub}:${factor.id}`;

async function createTotpFactor(ctx: MfaContext, sub: string, label?: string): Promise<TotpEnrollment> {
  const secret = generateSecret(ctx.random);
  const id = randomUUID();
  const factor: StoredFactor = {
    id,
    sub,
    type: 'totp',
    label: label ?? DEFAULT_TOTP_LABEL,
    secretEnc: ctx.box.seal(secret, secretAad({ sub, id })),
    ...ctx.factorOptions.totp,
    confirmed: false,
    createdAt: ctx.now(),
    lastUsedAt: null,
    lastStep: -1,
  };
  await ctx.store.insertFactor(factor);
  const secretText = base32Encode(secret);
  return {
    factorId: id,
    type: 'totp',
    secret: secretText,
    otpauthUri: otpauthUri({ secret: secretText, issuer: ctx.factorOptions.appName, account: ctx.factorOptions.accountName(sub), ...ctx.factorOptions.totp }),
    ...ctx.factorOptions.totp,
  };
}

/**
 * The code as the server accepts it: the factor's number of ASCII digits once spaces are gone.
 * Anything else is malformed (400, not counted toward lockout).
 */
export function parseTotpCode(value: string, digits: number): string {
  const code = parseCodeOfLength(value, digits);
  if (code === null) throw new MfaError('malformed_code', `Enter the ${digits}-digit code from your authenticator app.`);
  return code;
}

/** True when `code` matches a step inside the window that is newer than the last accepted one; 'used' when it matches an older one. */
async function checkTotpCode(ctx: MfaContext, factor: StoredFactor, code: string): Promise<boolean | 'used'> {
  const now = ctx.now();
  const secret = ctx.box.open(factor.secretEnc, secretAad(factor));
  const step = matchTotpStep(secret, code, now, factor);
  secret.fill(0);
  if (step === null) return false;
  const accepted = await ctx.store.advanceLastStep(factor.sub, factor.id, step, now);
  // A right code that was already used (or older than one used): someone replays it.
  if (!accepted) await ctx.audit.record({ type: 'verify.replay', sub: factor.sub, factor: 'totp', status: 'failure', severity: 'warning', metadata: { factorId: factor.id } });
  return accepted || 'used';
}

/** The wire step "Enter the code from your authenticator app". */
export const codeStep = (digits: number, guid: string, label = 'Enter the code from your authenticator app'): ChallengeStep =>
  ({ guid, type: 'code', label, fieldName: 'code', length: digits, inputMode: 'numeric' });

const label = factorLabel;

export const totpFactor: ServerFactor = {
  type: 'totp',
  amr: TOTP_AMR,
  strength: strengthOf('totp'),
  enrollInput: z.strictObject({ type: z.literal('totp'), label: label.optional() }),
  enroll: ({ ctx, scope }, input: { label?: string }) => createTotpFactor(ctx, scope.user.sub, input.label),
  async confirm({ ctx }, { pending: factor, input }) {
    if (!factor) throw new MfaError('not_found', 'No such pending factor. Start again.');
    if (input.code === undefined) throw new MfaError('malformed_request', 'Send the code.');
    const code = parseTotpCode(input.code, factor.digits);
    await attemptCode(ctx, factor.sub, factor.id, () => checkTotpCode(ctx, factor, code), 'totp');
    return factor;
  },
  async challenge({ ctx }, { draft, factor }) {
    await assertNotLocked(ctx, draft.sub, factor!.id);
    const state: TotpState = { kind: 'totp', digits: factor!.digits };
    const challenge = await saveStep(ctx, { ...draft, factorId: factor!.id }, state);
    return { challenge, step: codeStep(factor!.digits, draft.stepGuid) };
  },
  async verify({ ctx }, challenge, state, value) {
    // The step remembers the code's length, so a malformed code is refused before anything counts
    // and the factor is read while the attempt is reserved: one store round trip, not two.
    const factorRead = ctx.store.getFactor(challenge.sub, challenge.factorId).then(confirmedTotp);
    factorRead.catch(() => {}); // a malformed code never awaits it
    const digits = (state as TotpState).digits ?? (await factorRead).digits; // a step saved before `digits` existed
    const code = parseTotpCode(value, digits);
    await attemptCode(ctx, challenge.sub, challenge.factorId, async () => checkTotpCode(ctx, await factorRead, code), 'totp');
    return { amr: TOTP_AMR };
  },
};

/** A TOTP step's state: the factor's code length, known without reading the factor again. */
interface TotpState extends ChallengeState {
  digits?: number;
}

/** The factor a TOTP step names, or 404 when it was removed (or replaced) meanwhile. */
function confirmedTotp(factor: StoredFactor | null): StoredFactor {
  if (!factor || !factor.confirmed || factor.type !== 'totp') throw notFound();
  return factor;
}
