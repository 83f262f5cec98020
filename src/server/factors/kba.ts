/**
 * MX-style questions for integrations (docs/server.md "Security questions"): a bank connection
 * may ask "What is the name of your first pet?", then "Which account is yours?", then send a
 * code. The integration supplies the questions; the server walks them as successive `CHALLENGED`
 * answers of one challenge id and records `amr: ["kba"]`, `acr: "kba"`.
 *
 * Knowledge is not a second factor (NIST SP 800-63B-4 §3.1.1.2 forbids it as an authenticator):
 * a KBA result never satisfies `acr=mfa` — its token carries `acr: "kba"`, which the default
 * guard refuses, and it never counts as step-up freshness.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ChallengeStep } from '../../core/types.js';
import type { Contact, ContactType } from './contact-factor.js';

export const KBA_AMR = 'kba';
/** The factor id of KBA challenges (there is no stored factor). */
export const KBA_KEY = 'kba';
/** Every KBA lock key starts with this (admin unlock clears them all). */
export const KBA_LOCK_PREFIX = `${KBA_KEY}:`;

/**
 * The lockout key of KBA answers: per user and question flow — the plugin's own `flowId`, or
 * else a digest of the questions asked — never the client-chosen resource/action, so renaming
 * the action cannot buy fresh guesses at the same secret. Passing one flow (say, an easy
 * picture check) still never resets the failures of another.
 */
export function kbaLockKey(plugin: KbaPlugin, sub: string, scope: KbaScope, questions: KbaQuestion[]): string {
  const flow = plugin.flowId?.(sub, scope)
    ?? `q:${createHash('sha256').update(JSON.stringify(questions.map((q) => [q.type, q.label, q.image ?? '']))).digest('base64url').slice(0, 22)}`;
  return `${KBA_LOCK_PREFIX}${flow}`;
}

export interface KbaScope {
  resource: string;
  action: string;
}

export interface KbaQuestion {
  type: 'text' | 'options' | 'image' | 'code';
  /** The question, shown as text. */
  label: string;
  /** `options` / `image`: the choices; `image` choices carry a picture (data: URL or same-origin path). */
  options?: { label: string; value: string; image?: string }[];
  /** A picture the question is about. */
  image?: string;
  /** Text alternative of `image` (required with it when the question is about the picture). */
  imageAlt?: string;
  /** `text` / `options` / `image`: is `value` right? (`options`/`image` values are checked against the offer first.) */
  check?: (value: string) => boolean | Promise<boolean>;
  /** `code`: where the server sends a code it generates and checks itself. */
  sendTo?: { type: ContactType } & Contact;
}

export interface KbaPlugin {
  /**
   * The questions for this user and scope, in order, or null when the user has none
   * (`not_enrolled`). Called again at each step, so it must answer the same list each time.
   */
  questions(sub: string, scope: KbaScope): KbaQuestion[] | null | Promise<KbaQuestion[] | null>;
  /**
   * Which question flow this scope asks (failures are counted per user and flow). Default: a
   * digest of the questions, so every scope that asks the same questions shares one count.
   */
  flowId?(sub: string, scope: KbaScope): string;
}

/**
 * A case- and space-insensitive comparison in constant time (answers to "first pet?" vary in
 * case): digests of equal length are compared, so not even the answer's length leaks.
 */
export function sameAnswer(given: string, expected: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase(), 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Pictures may be data: URLs of raster images or same-origin paths — never script or other sites. */
export function isSafeImage(src: string): boolean {
  return /^data:image\/(png|jpeg|gif|webp|avif);base64,[A-Za-z0-9+/=]+$/.test(src) || /^\/(?!\/)[^\s\\]*$/.test(src);
}

/** The wire step of a question (code steps are built by the caller, which knows what was sent). */
export function kbaStep(q: KbaQuestion, guid: string): ChallengeStep {
  for (const src of [q.image, ...(q.options ?? []).map((o) => o.image)]) {
    if (src !== undefined && !isSafeImage(src)) throw new Error('kba: images must be data:image URLs or same-origin paths');
  }
  return {
    guid,
    type: q.type,
    label: q.label,
    fieldName: q.type === 'text' ? 'answer' : 'choice',
    ...(q.options && { options: q.options.map(({ label, value, image }) => ({ label, value, ...(image && { image }) })) }),
    ...(q.image && { image: q.image }),
    ...(q.imageAlt && { imageAlt: q.imageAlt }),
  };
}
