/** A passkey or security key (`webauthn`): the ceremony starts at once, and again from the primary button. */
import type { PromptHost } from '../prompt-host.js';
import { focusLater, plural, stepOf, stringsOf, type StepRenderer } from './kit.js';

/** Runs the passkey ceremony and answers the step with it; a cancel leaves the step usable. */
async function usePasskey(h: PromptHost): Promise<void> {
  const step = stepOf(h);
  const s = stringsOf(h);
  if (!step?.publicKey || h.phase !== 'code') return;
  // A direct dynamic import: in the script-tag companion build it is bundled into this file.
  const passkeys = await import('../../shared/passkeys.js');
  if (!passkeys.passkeysSupported()) {
    h.setStatus(s.passkeyUnsupported, true);
    return;
  }
  h.enter('verifying');
  h.setStatus(s.passkeyWaiting, false, true);
  let value: string;
  try {
    value = await passkeys.signWithPasskey(step.publicKey);
  } catch {
    h.enter('code');
    h.setStatus(s.passkeyCancelled, true);
    // The primary button starts the ceremony again: put the keyboard there.
    focusLater(h, 'footer .primary');
    return;
  }
  h.enter('code');
  await h.verify(value);
}

export const passkey: StepRenderer = {
  shown: (h) => void usePasskey(h),
  answer: (h) => void usePasskey(h) as undefined,
  refused: (h, _step, e) => e.code === 'invalid_credential' ? stringsOf(h).invalidCredential
    : e.code === 'invalid_code' ? plural(h.resolvedLocale, stringsOf(h).wrongAnswer, e.attemptsLeft ?? 0)
    : undefined,
  intro: (h) => stringsOf(h).passkeyIntro,
  verifyLabel: (h) => stringsOf(h).usePasskey,
};
