/**
 * A factor is a plugin (docs/architecture.md "Adding a factor"): one object that owns its
 * metadata (amr, strength), its enrollment, its challenge step and its verification. The
 * orchestrators (verification.ts, enrollment.ts) only look factors up in the registry — by the
 * stored factor's `type`, or by a challenge state's `kind` — and never switch on a type.
 */
import type { z } from 'zod';
import { MfaError } from '../../core/errors.js';
import type { FactorStrength } from '../../core/factor-strength.js';
import type { ChallengeFactorRef, ChallengeStep, ChallengedResponse, Enrollment } from '../../core/types.js';
import type { ChallengeState } from '../challenge-state.js';
import type { MfaContext } from '../config.js';
import type { Scope } from '../request-scope.js';
import type { StoredChallenge, StoredFactor } from '../stores/store.js';

/** What every factor call gets: the server's services and policy, and the request's scope. */
export interface FactorEnv {
  ctx: MfaContext;
  scope: Scope;
}

/** A new step-up challenge a factor is asked to start. */
export interface ChallengeStart {
  /** Not stored yet: id, owner, resource/action, `stepGuid`, expiry; `factorId` empty. */
  draft: StoredChallenge;
  /** The stored factor chosen (absent for a factor with no stored factor, e.g. recovery codes). */
  factor?: StoredFactor;
  /** The user's usable factors of this type (several phones: which one gets the code?). */
  sameType: StoredFactor[];
  /** The client named this very factor by id (no choosing among `sameType`). */
  named: boolean;
  /**
   * The level asked for (`phr` only reaches `phishingResistant` factors). Such a factor keeps it
   * in its challenge state and returns it as the verdict's `acr` (factors/webauthn-factor.ts).
   */
  acr?: string;
}

/**
 * A started (or next) step: the challenge as the factor stored it — `saveStep` or `sendCode`,
 * with a state whose `kind` is one of the factor's `kinds` — and what to ask. `ref`: how the
 * challenge names its factor when that is not the chosen stored factor.
 */
export interface Started {
  challenge: StoredChallenge;
  step: ChallengeStep;
  ref?: ChallengeFactorRef;
}

/**
 * A right answer: the `amr` to put in the token (and `acr` when it is not `mfa`); or the next
 * step of a multi-step flow (choose a phone → enter the code; KBA questions; HOTP resync).
 */
export type Verdict = { amr: string; acr?: string } | { next: ChallengedResponse };

/** A pending enrollment being confirmed. */
export interface ConfirmCall {
  factorId: string;
  /** The stored pending factor (absent when the factor is stored only once proven: passkeys). */
  pending: StoredFactor | null;
  /** The enrollment challenge (`enrollmentChallengeId`), when the factor keeps one. */
  challenge: StoredChallenge | null;
  state: ChallengeState | undefined;
  input: { code?: string; credential?: Record<string, unknown> };
}

/** What `POST /mfa/factors` answers: a built-in enrollment, or an app factor's own shape. */
export type FactorEnrollment = Enrollment | { factorId: string; type: string; [key: string]: unknown };

export interface ServerFactor {
  /** The stored factor's `type`, and what a client asks for as `factorType`. */
  type: string;
  /** RFC 8176 `amr` of a success (a factor whose value depends on the device returns it from `verify`). */
  amr: string;
  /** Strong alone, standard, or restricted (listed last; never the only factor without a notice). */
  strength: FactorStrength;
  /** Challenge state kinds this factor answers (default: `[type]`). */
  kinds?: string[];
  /** No stored factor per user (recovery codes, KBA): asked for by `factorType`, listed by `listed`. */
  virtual?: boolean;
  /**
   * Its proof cannot be relayed by a look-alike site (a passkey: origin-bound, with user
   * verification): the only kind a `phr` step-up offers (docs/server.md "Assurance levels").
   */
  phishingResistant?: boolean;
  /** KBA: asked for by `factorType` only, never offered, never fresh from an earlier step-up. */
  standalone?: boolean;
  /** Listed in `available` for `<mfa-enroll>` to offer (default true when `enroll` exists). */
  offered?: boolean;
  /** Whether this server can use it at all (passkeys on). Default true. */
  enabled?(ctx: MfaContext): boolean;
  /** Whether this server can add one now (a sender configured). Default true. */
  enrollable?(ctx: MfaContext): boolean;
  /** A virtual factor's entry in the user's list of ways through a challenge, or null. */
  listed?(ctx: MfaContext, sub: string): Promise<ChallengeFactorRef | null>;

  /** The body of `POST /mfa/factors` for this type (`{type, …}`), checked before anything else. */
  enrollInput?: z.ZodType<{ type: string }>;
  /** Stores a pending factor (or, for passkeys, the registration challenge) from the checked input. */
  enroll?(env: FactorEnv, input: any): Promise<FactorEnrollment>;
  /** Checks the proof of a pending enrollment; returns the factor to confirm (stored by then). */
  confirm?(env: FactorEnv, call: ConfirmCall): Promise<StoredFactor>;
  /** "Send a new code" during enrollment. */
  resendEnrollment?(env: FactorEnv, pending: StoredFactor, challenge: StoredChallenge, state: ChallengeState): Promise<FactorEnrollment>;

  /** Starts a step-up challenge: stores it and says what to ask. */
  challenge(env: FactorEnv, start: ChallengeStart): Promise<Started>;
  /** Checks the answer to the current step (count it with `attemptCode` first). */
  verify(env: FactorEnv, challenge: StoredChallenge, state: ChallengeState, value: string): Promise<Verdict>;
  /** "Send a new code" for the current step, when it sent one. */
  resend?(env: FactorEnv, challenge: StoredChallenge, state: ChallengeState): Promise<ChallengedResponse>;
}

/** The factors of one server, by type and by challenge state kind. */
export class FactorRegistry {
  private readonly byType = new Map<string, ServerFactor>();
  private readonly byKind = new Map<string, ServerFactor>();

  /** `internal`: challenge steps that are no factor a client can ask for (the decoy). */
  constructor(factors: readonly ServerFactor[], internal: readonly ServerFactor[] = []) {
    for (const f of internal) this.byKind.set(f.type, f);
    for (const f of factors) {
      if (!/^[a-z][a-z0-9-]{0,31}$/.test(f.type)) throw new Error(`mfa-elements configuration error: factor type "${f.type}" must be lower-case letters, digits and dashes`);
      if (this.byType.has(f.type)) throw new Error(`mfa-elements configuration error: two factors of type "${f.type}"`);
      this.byType.set(f.type, f);
      for (const kind of f.kinds ?? [f.type]) {
        if (this.byKind.has(kind)) throw new Error(`mfa-elements configuration error: two factors answer challenge kind "${kind}"`);
        this.byKind.set(kind, f);
      }
    }
  }

  /** The factor of `type`, whether or not enabled. */
  get(type: string): ServerFactor | undefined {
    return this.byType.get(type);
  }

  /** The factor that answers a challenge state of `kind`. */
  forKind(kind: string): ServerFactor | undefined {
    return this.byKind.get(kind);
  }

  all(): ServerFactor[] {
    return [...this.byType.values()];
  }
}

export const isEnabled = (ctx: MfaContext, f: ServerFactor): boolean => f.enabled?.(ctx) ?? true;

/** The order factors are offered in: strong before standard before restricted. */
export const STRENGTH_RANK: Record<FactorStrength, number> = { strong: 0, standard: 1, restricted: 2 };

/** Checks a request body against a factor's schema: a 400 `malformed_request` like every other body. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new MfaError('malformed_request', `${where}${issue.message}`);
}

/** The same wording as everywhere: the challenge (or its factor) is gone or was never the user's. */
export const notFound = () => new MfaError('not_found', 'No such challenge.');

/** True when a factor of `type` is restricted and the user has no strong factor beside it. */
export async function aloneAndRestricted(ctx: MfaContext, sub: string, type: string): Promise<boolean> {
  if (ctx.factors.get(type)?.strength !== 'restricted') return false;
  return !(await ctx.store.listFactors(sub)).some((f) => f.confirmed && ctx.factors.get(f.type)?.strength === 'strong');
}
