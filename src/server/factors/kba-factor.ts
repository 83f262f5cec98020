/**
 * The KBA flow (factors/kba.ts): an integration's questions, asked one per step of one challenge
 * id. A standalone virtual factor: asked for by `factorType: 'kba'` only, never fresh from an
 * earlier step-up, and its success carries `acr: "kba"`, which never satisfies `acr=mfa`.
 */
import { randomUUID } from 'node:crypto';
import { MfaError } from '../../core/errors.js';
import type { ChallengeFactorRef, ChallengeStep } from '../../core/types.js';
import { ACR_KBA } from '../acr.js';
import { challenged } from '../challenge-refs.js';
import { INSERT, putChallenge, type ChallengeState, type Expected } from '../challenge-state.js';
import type { MfaContext } from '../config.js';
import type { StoredChallenge } from '../stores/store.js';
import { assertNotLocked, attemptCode } from './attempt.js';
import { KBA_AMR, KBA_KEY, kbaLockKey, kbaStep, type KbaQuestion } from './kba.js';
import { assertMayResend, attemptSentCode, sendCode, sentCodeStep, type SentCodeState } from './sent-code.js';
import { maskContact } from './contact-factor.js';
import { notFound, type FactorEnv, type ServerFactor } from './server-factor.js';

/** Question `index` of the plugin's list; `sent` when that question is a sent code. */
interface KbaState extends ChallengeState {
  index: number;
  sent?: SentCodeState;
}

const REF: ChallengeFactorRef = { id: KBA_KEY, type: 'kba', label: 'Security questions' };

async function kbaQuestions(ctx: MfaContext, c: Pick<StoredChallenge, 'sub' | 'resource' | 'action'>): Promise<KbaQuestion[]> {
  if (!ctx.factorOptions.kba) throw new MfaError('unsupported_factor', 'Security questions are not enabled on this server.');
  const list = await ctx.factorOptions.kba.questions(c.sub, { resource: c.resource, action: c.action });
  if (!list || list.length === 0) throw new MfaError('not_enrolled', 'There are no security questions for this account.');
  return list;
}

/** Stores question `index` as the challenge's step (a `code` question sends its code once stored). */
async function ask(
  { ctx, scope }: FactorEnv, challenge: StoredChallenge, expected: Expected, q: KbaQuestion, index: number,
): Promise<{ challenge: StoredChallenge; step: ChallengeStep }> {
  if (q.type !== 'code') {
    const step = kbaStep(q, challenge.stepGuid); // refuses unsafe pictures before anything is stored
    const stored: StoredChallenge = { ...challenge, state: JSON.stringify({ kind: 'kba', index } satisfies KbaState) };
    await putChallenge(ctx, stored, expected);
    return { challenge: stored, step };
  }
  if (!q.sendTo) throw new Error('kba: a code question needs sendTo');
  const { type, ...contact } = q.sendTo;
  const stored = await sendCode(ctx, challenge, expected, undefined, (sent): KbaState => ({ kind: 'kba', index, sent }), { type, contact, from: scope });
  return { challenge: stored.challenge, step: sentCodeStep(challenge.stepGuid, maskContact(type, contact.address), stored.sent, ctx.now()) };
}

export const kbaFactor: ServerFactor = {
  type: 'kba',
  amr: KBA_AMR,
  strength: 'standard',
  virtual: true,
  standalone: true,

  async challenge(env, { draft }) {
    const { ctx } = env;
    const questions = await kbaQuestions(ctx, draft);
    await assertNotLocked(ctx, draft.sub, kbaLockKey(ctx.factorOptions.kba!, draft.sub, draft, questions));
    const asked = await ask(env, draft, INSERT, questions[0], 0);
    return { ...asked, ref: REF };
  },

  /** Checks the answer to the current question; the next question, or done when all are answered. */
  async verify(env, challenge, state, value) {
    const { ctx } = env;
    const { index, sent } = state as KbaState;
    const questions = await kbaQuestions(ctx, challenge);
    const q = questions[index];
    if (!q) throw notFound();
    // A right answer to an easy question must not wipe the failures of a hard one: only the
    // last answer resets the count.
    const last = index + 1 >= questions.length;
    const lockKey = kbaLockKey(ctx.factorOptions.kba!, challenge.sub, challenge, questions);
    if (q.type === 'code') {
      if (!sent) throw notFound();
      await attemptSentCode(ctx, challenge.sub, lockKey, challenge.id, sent, value, KBA_AMR, last);
    } else {
      if ((q.type === 'options' || q.type === 'image') && !q.options?.some((o) => o.value === value)) {
        throw new MfaError('invalid_option', 'Choose one of the options offered.');
      }
      if (q.type === 'text' && value.trim() === '') throw new MfaError('malformed_code', 'Type an answer.');
      await attemptCode(ctx, challenge.sub, lockKey, async () => Boolean(await q.check?.(value)), KBA_AMR, last);
    }
    if (last) return { amr: KBA_AMR, acr: ACR_KBA };
    const asked = await ask(env, { ...challenge, stepGuid: randomUUID() }, challenge.state, questions[index + 1], index + 1);
    return { next: challenged(asked.challenge, REF, [REF], asked.step) };
  },

  async resend(env, challenge, state) {
    const { ctx } = env;
    const { index, sent } = state as KbaState;
    if (!sent) throw new MfaError('conflict', 'This step sent no code.');
    const questions = await kbaQuestions(ctx, challenge);
    const q = questions[index];
    if (!q?.sendTo) throw new MfaError('conflict', 'This step sent no code.');
    await assertMayResend(ctx, challenge.sub, kbaLockKey(ctx.factorOptions.kba!, challenge.sub, challenge, questions), sent);
    const { type, ...contact } = q.sendTo;
    const stored = await sendCode(ctx, challenge, challenge.state, sent, (next): KbaState => ({ kind: 'kba', index, sent: next }), { type, contact, from: env.scope });
    return challenged(stored.challenge, REF, [REF], sentCodeStep(challenge.stepGuid, maskContact(type, contact.address), stored.sent, ctx.now()));
  },
};
