/**
 * Q2 Tecton compatibility: `tecton.sources.promptForMFA(promptOptions?)` → `Promise<void>`.
 *
 * ```ts
 * import { tecton } from 'mfa-elements/compat/q2';
 * tecton.sources.promptForMFA().then(() => …).catch(() => …);
 * ```
 *
 * Only the MFA source is provided; the rest of Tecton (`requestExtensionData`, `actions.showModal`, …)
 * belongs to the Q2 platform, not to us. SSR-safe: importing touches no DOM and defines nothing.
 */
import { promptForMFA, type PromptOptions } from '../api/prompt-for-mfa.js';

export { promptForMFA, type PromptOptions };

/**
 * The `tecton.sources` namespace with the one source that is ours. Spread it into your own
 * `tecton` object if you also use other Tecton sources.
 */
export const tecton = {
  sources: {
    /**
     * Mapped 1:1 onto the native `promptForMFA` (which already has Q2's semantics): resolves when
     * the step-up is done, rejects with an `MfaError` (`.code` is the reason: `cancelled`,
     * `not_enrolled`, `locked`, …) otherwise. `message` is shown above the input; `code` is recorded
     * as the reason in the audit event. Without `resource`/`action` the step-up is for `app`/`confirm`:
     * guard the matching route with `requireStepUp({ resource: 'app', action: 'confirm' })`, the
     * equivalent of `@mfa_validation_required`. A step-up still fresh for that resource resolves
     * without showing anything (server freshness, 15 min by default).
     */
    promptForMFA: (promptOptions?: PromptOptions): Promise<void> => promptForMFA(promptOptions),
  },
} as const;
