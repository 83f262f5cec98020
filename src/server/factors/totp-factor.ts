/**
 * The TOTP factor: create a pending factor with a fresh sealed secret, and check a code under
 * the replay rule (a step is accepted only if newer than the last accepted one, atomically).
 */
import { randomUUID } from 'node:crypto';
import { MfaError } from '../../core/errors.js';
import { stripSpaces } from '../../core/code-format.js';
import type { TotpEnrollment } from '../../core/types.js';
import type { MfaContext } from '../config.js';
import type { StoredFactor } from '../stores/store.js';
import { base32Encode } from '../totp/base32.js';
import { generateSecret, matchTotpStep, otpauthUri } from '../totp/totp.js';

export const TOTP_AMR = 'otp';
export const DEFAULT_TOTP_LABEL = 'Authenticator app';

const secretAad = (factor: Pick<StoredFactor, 'sub' | 'id'>) => `totp:${factor.sub}:${factor.id}`;

export async function createTotpFactor(ctx: MfaContext, sub: string, label?: string): Promise<TotpEnrollment> {
  const secret = generateSecret(ctx.random);
  const id = randomUUID();
  const factor: StoredFactor = {
    id,
    sub,
    type: 'totp',
    label: label ?? DEFAULT_TOTP_LABEL,
    secretEnc: ctx.box.seal(secret, secretAad({ sub, id })),
    ...ctx.totp,
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
    otpauthUri: otpauthUri({ secret: secretText, issuer: ctx.appName, account: ctx.accountName(sub), ...ctx.totp }),
    ...ctx.totp,
  };
}

/**
 * The code as the server accepts it: the factor's number of ASCII digits once spaces are gone.
 * Anything else is malformed (400, not counted toward lockout).
 */
export function parseTotpCode(value: string, digits: number): string {
  const code = stripSpaces(value);
  if (!/^[0-9]+$/.test(code) || code.length !== digits) {
    throw new MfaError('malformed_code', `Enter the ${digits}-digit code from your authenticator app.`);
  }
  return code;
}

/** True when `code` matches a step inside the window that is newer than the last accepted one; 'used' when it matches an older one. */
export async function checkTotpCode(ctx: MfaContext, factor: StoredFactor, code: string): Promise<boolean | 'used'> {
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
