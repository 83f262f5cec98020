/**
 * What a stored challenge remembers between steps (`StoredChallenge.state`, JSON). TOTP,
 * recovery and decoy challenges need none (their factor id says it all); the others do.
 */
import type { ContactType } from './factors/contact-factor.js';
import type { SentCodeState } from './factors/one-time-code.js';

export type ChallengeState =
  /** A code was sent to the phone/email factor `challenge.factorId`. */
  | ({ kind: 'sent' } & SentCodeState)
  /** The user has several phones (or addresses): which one gets the code? */
  | { kind: 'pick'; type: ContactType; offered: string[] }
  /** A passkey assertion for this WebAuthn challenge, from one of `factorIds`. */
  | { kind: 'webauthn'; challenge: string; factorIds: string[] }
  /** Question `index` of the KBA plugin's list; `sent` when that question is a sent code. */
  | { kind: 'kba'; index: number; sent?: SentCodeState }
  /** Enrollment of a phone/email (code sent) — never answerable through /challenges. */
  | ({ kind: 'enroll-code' } & SentCodeState)
  /** Enrollment of a passkey: the registration challenge. */
  | { kind: 'enroll-webauthn'; challenge: string; label: string };

export const readState = (json: string | undefined): ChallengeState | undefined =>
  json === undefined ? undefined : (JSON.parse(json) as ChallengeState);

export const writeState = (state: ChallengeState): string => JSON.stringify(state);

/** Enrollment challenges live beside step-up challenges under a derived id. */
export const enrollmentChallengeId = (factorId: string) => `enroll:${factorId}`;
