/**
 * MX compatibility: the member-status / resume loop of MX's MFA guide, in MX's JSON shapes.
 *
 * ```ts
 * import { mx } from 'mfa-elements/compat/mx';
 * const { member } = await mx.aggregateMember({ resource: 'payments', action: 'transfer' });
 * let status = await mx.readMemberStatus(member.guid);
 * while (status.member.connection_status === 'CHALLENGED') {
 *   const answers = status.member.challenges!.map((c) => ({ guid: c.guid, value: ask(c.label) }));
 *   await mx.resumeAggregation(member.guid, { member: { challenges: answers } }); // → RESUMED
 *   status = await mx.readMemberStatus(member.guid); // → CHALLENGED again (next step), CONNECTED, …
 * }
 * ```
 *
 * Our protocol *is* the MX model (docs/server.md "HTTP protocol": generic challenges, multi-step = successive CHALLENGED
 * answers of one id), so this is a renaming: member `guid` = native `challengeId`,
 * `aggregateMember` = `MfaClient.startChallenge`, `resumeAggregation` = `MfaClient.resume`,
 * `readMemberStatus` = the last native answer for that id. SSR-safe: importing touches no DOM and
 * defines nothing.
 */
import { getDefaultClient } from '../client/default-client.js';
import type { MfaClient } from '../client/mfa-client.js';
import { MfaError, isMfaError } from '../core/errors.js';
import type { ChallengeAnswer, ChallengeResponse, ChallengeStep, ChallengeStepType, FactorType } from '../core/types.js';

/** The MX connection statuses this mapping produces. */
export type MxConnectionStatus = 'CHALLENGED' | 'RESUMED' | 'CONNECTED' | 'LOCKED' | 'EXPIRED';

/** MX challenge types (strings, as MX's platform API names them; `WEBAUTHN` is ours, MX has none). */
export type MxChallengeType = 'TOKEN' | 'TEXT' | 'OPTIONS' | 'IMAGE_DATA' | 'WEBAUTHN';

export interface MxChallenge {
  guid: string;
  /** Server-given text: render as text only. */
  label: string;
  type: MxChallengeType;
  field_name: string | null;
  options?: { label: string; value: string }[];
  image_data?: string;
}

export interface MxMember {
  /** The native `challengeId` (for a step-up answered at once because it is still fresh: its `sid`). */
  guid: string;
  connection_status: MxConnectionStatus;
  /** Present only while `CHALLENGED`. */
  challenges?: MxChallenge[];
  /** `true` once the step-up is verified (`CONNECTED`). */
  is_authenticated: boolean;
  /** `true` while the flow can still go on (`CHALLENGED`, `RESUMED`). */
  is_being_aggregated: boolean;
  /** When the flow last changed state (ISO 8601). */
  aggregated_at: string;
  /** When the step-up was verified (ISO 8601), else `null`. */
  successfully_aggregated_at: string | null;
}

export interface MxMemberResponseBody {
  member: MxMember;
}

/** MX's resume body: `{ member: { challenges: [{ guid, value }] } }`. */
export interface MxResumeRequestBody {
  member: { challenges: ChallengeAnswer[] };
}

export interface MxAggregateInput {
  resource: string;
  action: string;
  /** Ask even when a step-up is still fresh (native `force`). */
  force?: boolean;
  /** Native `factorType`: `recovery` asks for a recovery code, `kba` for the integration's questions. */
  factorType?: FactorType;
}

/** Native step type → MX `type`. */
const TYPE: Record<ChallengeStepType, MxChallengeType> = {
  code: 'TOKEN', // one-time codes: MX's TOKEN ("enter the code we sent")
  text: 'TEXT', // security questions, MX's type 0 in the seed example
  options: 'OPTIONS', // choose one (e.g. which phone to text)
  image: 'IMAGE_DATA',
  webauthn: 'WEBAUTHN',
};

/** Native `ChallengeStep` → MX challenge: same fields, MX spelling (`fieldName` → `field_name`, `image` → `image_data`). */
function toMxChallenge(step: ChallengeStep): MxChallenge {
  return {
    guid: step.guid,
    label: step.label,
    type: TYPE[step.type],
    field_name: step.fieldName ?? null,
    ...(step.options && { options: step.options.map(({ label, value }) => ({ label, value })) }),
    ...(step.image !== undefined && { image_data: step.image }),
  };
}

interface MemberState {
  status: MxConnectionStatus;
  /** The native answer behind `CHALLENGED`; kept after a wrong answer so the same step is asked again. */
  steps?: ChallengeStep[];
  changedAt: number;
  verifiedAt: number | null;
}

export interface MxClientOptions {
  /** Default: the page-wide client (`configure()`). */
  client?: MfaClient;
}

export function createMxClient(options: MxClientOptions = {}) {
  /** Member guid → state. Only the shape translation lives here; the flow itself is the server's. */
  const members = new Map<string, MemberState>();
  const api = () => options.client ?? getDefaultClient();

  const view = (guid: string, s: MemberState): MxMemberResponseBody => ({
    member: {
      guid,
      connection_status: s.status,
      ...(s.status === 'CHALLENGED' && { challenges: (s.steps ?? []).map(toMxChallenge) }),
      is_authenticated: s.status === 'CONNECTED',
      is_being_aggregated: s.status === 'CHALLENGED' || s.status === 'RESUMED',
      aggregated_at: new Date(s.changedAt).toISOString(),
      successfully_aggregated_at: s.verifiedAt === null ? null : new Date(s.verifiedAt).toISOString(),
    },
  });

  const known = (guid: string): MemberState => {
    const state = members.get(guid);
    if (!state) throw new MfaError('not_found', 'No such member.');
    return state;
  };

  /** Native answer → member state. `VERIFIED` is MX's `CONNECTED`; a further step is `CHALLENGED` again. */
  const record = (guid: string, answer: ChallengeResponse): void => {
    const now = Date.now();
    members.set(guid, answer.status === 'VERIFIED'
      ? { status: 'CONNECTED', changedAt: now, verifiedAt: now }
      : { status: 'CHALLENGED', steps: answer.challenges, changedAt: now, verifiedAt: null });
  };

  return {
    /**
     * MX's "aggregate" (what triggers MFA) → native `startChallenge` for a scope (MX's
     * `user_guid`/`member_guid` have no equivalent: the app session identifies the user). Answers
     * `CHALLENGED` with a member guid to poll, or `CONNECTED` at once when the step-up is still fresh.
     */
    async aggregateMember(input: MxAggregateInput): Promise<MxMemberResponseBody> {
      const { resource, action, force, factorType } = input;
      const answer = await api().startChallenge({ resource, action, force, factorType });
      const guid = answer.status === 'VERIFIED' ? answer.sid : answer.challengeId;
      record(guid, answer);
      return view(guid, known(guid));
    },

    /** MX's `GET …/members/{member_guid}/status`: the state after the last call (no request needed). */
    async readMemberStatus(memberGuid: string): Promise<MxMemberResponseBody> {
      return view(memberGuid, known(memberGuid));
    },

    /**
     * MX's `PUT …/members/{member_guid}/resume` → native `resume(challengeId, answers)`. Answers
     * `RESUMED` as MX does; the outcome shows in the next `readMemberStatus`: `CONNECTED` (verified),
     * `CHALLENGED` with new guids (the native resume asked a further step), `CHALLENGED` with the
     * same guids (wrong or malformed answer: ask again), `LOCKED`, or `EXPIRED`. Transport and session
     * errors reject with the native `MfaError`.
     */
    async resumeAggregation(memberGuid: string, body: MxResumeRequestBody): Promise<MxMemberResponseBody> {
      const state = known(memberGuid);
      if (state.status !== 'CHALLENGED') throw new MfaError('conflict', `This member is ${state.status}, not CHALLENGED.`);
      try {
        record(memberGuid, await api().resume(memberGuid, body.member.challenges.map(({ guid, value }) => ({ guid, value }))));
      } catch (err) {
        if (!isMfaError(err)) throw err;
        const now = Date.now();
        if (err.code === 'invalid_code' || err.code === 'code_used' || err.code === 'malformed_code') members.set(memberGuid, { ...state, changedAt: now });
        else if (err.code === 'locked') members.set(memberGuid, { status: 'LOCKED', changedAt: now, verifiedAt: null });
        else if (err.code === 'expired' || err.code === 'not_found') members.set(memberGuid, { status: 'EXPIRED', changedAt: now, verifiedAt: null });
        else throw err;
      }
      return view(memberGuid, { ...known(memberGuid), status: 'RESUMED' });
    },
  };
}

export type MxClient = ReturnType<typeof createMxClient>;

/** On the page-wide client (resolved on each call, so a later `configure()` counts). */
export const mx: MxClient = createMxClient();
