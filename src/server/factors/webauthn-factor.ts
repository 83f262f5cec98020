/**
 * Passkeys and security keys (WebAuthn) through @simplewebauthn/server. User verification is
 * required (a passkey alone is then two factors: possession + PIN/biometric). The credential
 * (id, public key, transports) is sealed at rest like any secret; the signature counter lives in
 * `lastStep`, guarded by the same compare-and-set as TOTP steps, so a cloned authenticator's
 * stale counter is refused atomically across instances. Many passkeys report counter 0 always:
 * those rely on the single-use challenge alone (TOOLCHAIN: keep challenges single-use).
 *
 * The relying party is the host of the request's Origin (already checked against the allowed
 * origins), or `webauthn.rpID` when configured.
 */
import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { factorLabel } from './factor-label.js';
import { ACR_PHR } from '../acr.js';
import { MfaError } from '../../core/errors.js';
import { strengthOf } from '../../core/factor-strength.js';
import { usableFactors } from '../challenge-refs.js';
import { enrollmentChallengeId, saveStep, type ChallengeState } from '../challenge-state.js';
import { PENDING_FACTOR_TTL_MS, type MfaContext } from '../config.js';
import type { StoredFactor } from '../stores/store.js';
import { notFound, type ServerFactor } from './server-factor.js';

export const DEFAULT_PASSKEY_LABEL = 'Passkey';
const TIMEOUT_MS = 120_000;

/** Where the browser runs the ceremony: its origin (checked by the HTTP layer) and the RP ID. */
export interface RelyingParty {
  origin: string;
  rpID: string;
}

interface SealedCredential {
  id: string;
  publicKey: string;
  transports?: string[];
  /** `multiDevice` (synced passkey) or `singleDevice` (security key, device-bound). */
  deviceType: string;
}

const aad = (f: Pick<StoredFactor, 'sub' | 'id'>) => `webauthn:${f.sub}:${f.id}`;

function openCredential(ctx: MfaContext, f: StoredFactor): SealedCredential {
  return JSON.parse(ctx.box.open(f.secretEnc, aad(f)).toString('utf8')) as SealedCredential;
}

export function relyingParty(ctx: MfaContext, origin: string | undefined): RelyingParty {
  if (!ctx.factorOptions.webauthn) throw new MfaError('unsupported_factor', 'Passkeys are not enabled on this server.');
  if (!origin) throw new MfaError('malformed_request', 'Passkeys need the request Origin.');
  return { origin, rpID: ctx.factorOptions.webauthn.rpID ?? new URL(origin).hostname };
}

/** RFC 8176: a device-bound key is hardware (`hwk`); a synced passkey is treated as software (`swk`). */
const amrOf = (deviceType: string) => (deviceType === 'singleDevice' ? 'hwk' : 'swk');

export async function registrationOptions(ctx: MfaContext, sub: string, rp: RelyingParty, existing: StoredFactor[]) {
  return generateRegistrationOptions({
    rpName: ctx.factorOptions.webauthn!.rpName,
    rpID: rp.rpID,
    userName: ctx.factorOptions.accountName(sub),
    // A stable opaque handle, not the user id itself (it is stored on the authenticator).
    userID: new Uint8Array(Buffer.from(ctx.box.mac(`webauthn-user:${sub}`), 'hex').subarray(0, 32)),
    attestationType: 'none',
    timeout: TIMEOUT_MS,
    excludeCredentials: existing.filter((f) => f.type === 'webauthn' && f.confirmed).map((f) => {
      const c = openCredential(ctx, f);
      return { id: c.id, transports: c.transports as never };
    }),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
  });
}

/** Verifies the browser's attestation; returns the factor to store (pending until confirmed). */
export async function verifyRegistration(
  ctx: MfaContext, sub: string, id: string, label: string, credential: unknown, expectedChallenge: string, rp: RelyingParty,
): Promise<StoredFactor> {
  let info;
  try {
    const result = await verifyRegistrationResponse({
      response: credential as never,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      requireUserVerification: true,
    });
    if (!result.verified) throw new Error('not verified');
    info = result.registrationInfo;
  } catch {
    throw new MfaError('invalid_credential', 'The passkey could not be verified. Try again.');
  }
  const sealed: SealedCredential = {
    id: info.credential.id,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    transports: info.credential.transports,
    deviceType: info.credentialDeviceType,
  };
  return {
    id, sub, type: 'webauthn', label,
    secretEnc: ctx.box.seal(Buffer.from(JSON.stringify(sealed), 'utf8'), aad({ sub, id })),
    algorithm: 'SHA256', digits: 0, period: 0,
    confirmed: false, createdAt: ctx.now(), lastUsedAt: null,
    lastStep: info.credential.counter,
  };
}

export async function authenticationOptions(ctx: MfaContext, factors: StoredFactor[], rp: RelyingParty) {
  return generateAuthenticationOptions({
    rpID: rp.rpID,
    timeout: TIMEOUT_MS,
    userVerification: 'required',
    allowCredentials: factors.map((f) => {
      const c = openCredential(ctx, f);
      return { id: c.id, transports: c.transports };
    }),
  });
}

/**
 * Checks an assertion against the user's passkeys among `factors`. Returns the factor used and
 * its amr. A response for another challenge, origin or RP, or from an unknown credential, is a
 * 400 `invalid_credential` (nothing changes). A counter that did not grow is refused as a clone.
 */
export async function verifyAuthentication(
  ctx: MfaContext, factors: StoredFactor[], answer: string, expectedChallenge: string, rp: RelyingParty,
): Promise<{ factor: StoredFactor; amr: string }> {
  const invalid = () => new MfaError('invalid_credential', 'The passkey could not be verified. Try again.');
  let response: { id?: unknown } | null = null;
  try {
    response = JSON.parse(answer) as { id?: unknown } | null;
  } catch {
    // handled below
  }
  if (typeof response !== 'object' || response === null || typeof response.id !== 'string') {
    throw new MfaError('malformed_request', 'Send the passkey response as JSON.');
  }
  const id = response.id;
  const match = factors.map((f) => ({ f, c: openCredential(ctx, f) })).find(({ c }) => c.id === id);
  if (!match) throw invalid();
  let newCounter: number;
  try {
    const result = await verifyAuthenticationResponse({
      response: response as never,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      credential: {
        id: match.c.id,
        publicKey: new Uint8Array(Buffer.from(match.c.publicKey, 'base64url')),
        // 0: the library's own counter check is skipped; ours below (atomic, audited) decides.
        counter: 0,
        transports: match.c.transports as never,
      },
      requireUserVerification: true,
    });
    if (!result.verified) throw new Error('not verified');
    newCounter = result.authenticationInfo.newCounter;
  } catch {
    throw invalid();
  }
  const now = ctx.now();
  // A counter that did not grow means a copy of the key (or a replayed race): refused, audited.
  const fresh = newCounter === 0 && match.f.lastStep <= 0
    ? await ctx.store.touchFactor(match.f.sub, match.f.id, now)
    : newCounter > match.f.lastStep && (await ctx.store.advanceLastStep(match.f.sub, match.f.id, newCounter, now));
  if (!fresh) {
    await ctx.audit.record({ type: 'webauthn.counter_regression', sub: match.f.sub, factor: 'webauthn', status: 'failure', severity: 'critical', metadata: { factorId: match.f.id } });
    throw invalid();
  }
  return { factor: match.f, amr: amrOf(match.c.deviceType) };
}

interface AssertionState extends ChallengeState {
  /** The WebAuthn challenge the assertion must sign. */
  challenge: string;
  /** The passkeys it may come from. */
  factorIds: string[];
  /** `phr` when the step-up asked for the phishing-resistant level (the token then says so). */
  acr?: string;
}

interface RegistrationState extends ChallengeState {
  challenge: string;
  label: string;
}

const ENROLL_KIND = 'enroll-webauthn';

export const webauthnFactor: ServerFactor = {
  type: 'webauthn',
  amr: 'hwk',
  strength: strengthOf('webauthn'),
  // Assertions always require user verification (authenticationOptions, verifyAuthentication).
  phishingResistant: true,
  kinds: ['webauthn', ENROLL_KIND],
  enabled: (ctx) => ctx.factorOptions.webauthn !== null,
  enrollInput: z.strictObject({ type: z.literal('webauthn'), label: factorLabel.optional() }),

  async enroll({ ctx, scope }, input: { label?: string }) {
    const { sub } = scope.user;
    const rp = relyingParty(ctx, scope.origin);
    const publicKey = await registrationOptions(ctx, sub, rp, await ctx.store.listFactors(sub));
    // The factor is stored only once the browser proves the credential; until then this
    // enrollment challenge carries the registration challenge (single use).
    const id = randomUUID();
    const now = ctx.now();
    const state: RegistrationState = { kind: ENROLL_KIND, challenge: publicKey.challenge, label: input.label ?? DEFAULT_PASSKEY_LABEL };
    await saveStep(ctx, {
      id: enrollmentChallengeId(id), sub, resource: 'mfa', action: 'enroll', factorId: id, stepGuid: id, createdAt: now, expiresAt: now + PENDING_FACTOR_TTL_MS,
    }, state);
    return { factorId: id, type: 'webauthn', publicKey: publicKey as never };
  },

  async confirm({ ctx, scope }, { factorId, challenge, state, input }) {
    const registration = state as RegistrationState;
    if (challenge!.expiresAt <= ctx.now()) throw new MfaError('expired', 'This enrollment has expired. Start again.');
    if (!input.credential) throw new MfaError('malformed_request', 'Send the passkey credential.');
    const factor = await verifyRegistration(ctx, scope.user.sub, factorId, registration.label, input.credential, registration.challenge, relyingParty(ctx, scope.origin));
    // Single use: of two racing confirmations only the one that removes the challenge stores the passkey.
    if (!(await ctx.store.deleteChallenge(challenge!.id))) throw new MfaError('conflict', 'This factor is already confirmed.');
    await ctx.store.insertFactor(factor);
    return factor;
  },

  async challenge({ ctx, scope }, { draft, factor, sameType, named, acr }) {
    const allowed = named ? [factor!] : sameType;
    const publicKey = await authenticationOptions(ctx, allowed, relyingParty(ctx, scope.origin));
    const state: AssertionState = { kind: 'webauthn', challenge: publicKey.challenge, factorIds: allowed.map((f) => f.id), ...(acr === ACR_PHR && { acr }) };
    const challenge = await saveStep(ctx, { ...draft, factorId: named ? factor!.id : '' }, state);
    return { challenge, step: { guid: draft.stepGuid, type: 'webauthn', label: 'Use your passkey or security key', publicKey: publicKey as never } };
  },

  async verify({ ctx, scope }, challenge, state, value) {
    const { factorIds, challenge: expected, acr } = state as AssertionState;
    const factors = (await usableFactors(ctx, challenge.sub)).filter((f) => factorIds.includes(f.id));
    if (factors.length === 0) throw notFound(); // removed meanwhile
    const { amr } = await verifyAuthentication(ctx, factors, value, expected, relyingParty(ctx, scope.origin));
    // The token says the level that was asked for and proven; a plain step-up stays `mfa`, so
    // verifiers that compare `acr` with a route's `acr_values` exactly keep working.
    return acr === ACR_PHR ? { amr, acr: ACR_PHR } : { amr };
  },
};
