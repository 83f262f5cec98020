/**
 * What a stored challenge remembers between steps (`StoredChallenge.state`, JSON): always an
 * object whose `kind` names the factor step that answers it (the registry's `kinds`), plus
 * whatever that factor keeps (the hashed code it sent, the WebAuthn challenge, which question).
 */
import { MfaError } from '../core/errors.js';
import type { MfaContext } from './config.js';
import type { StoredChallenge } from './stores/store.js';

export interface ChallengeState {
  kind: string;
}

export const readState = <S extends ChallengeState = ChallengeState>(json: string | undefined): S | undefined =>
  json === undefined ? undefined : (JSON.parse(json) as S);

export const writeState = (state: ChallengeState): string => JSON.stringify(state);

/** Enrollment challenges live beside step-up challenges under a derived id. */
export const enrollmentChallengeId = (factorId: string) => `enroll:${factorId}`;
export const isEnrollmentChallenge = (id: string) => id.startsWith('enroll:');

/** `putChallenge`'s `expected` for a challenge that is not stored yet. */
export const INSERT = Symbol('insert');
export type Expected = string | undefined | typeof INSERT;

/** Inserts `next`, or replaces the stored challenge if its state is still `expected` (else 409). */
export async function putChallenge(ctx: MfaContext, next: StoredChallenge, expected: Expected): Promise<void> {
  if (expected === INSERT) await ctx.store.insertChallenge(next);
  else if (!(await ctx.store.updateChallenge(next, expected))) throw new MfaError('conflict', 'This step was already answered or a new code was already sent.');
}

/** Stores `draft` with `state` (insert or compare-and-set against `expected`) and returns it. */
export async function saveStep(ctx: MfaContext, draft: StoredChallenge, state: ChallengeState, expected: Expected = INSERT): Promise<StoredChallenge> {
  const stored: StoredChallenge = { ...draft, state: writeState(state) };
  await putChallenge(ctx, stored, expected);
  return stored;
}
