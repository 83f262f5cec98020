/**
 * mfa-elements — browser entry. Defines nothing and touches no DOM on import (SSR-safe);
 * `import 'mfa-elements/define.js'` registers the elements, and the promise API defines the
 * element it needs on first call.
 */
export { openAuthIdpModal, type OpenAuthIdpModalRequest } from './api/open-auth-idp-modal.js';
export { promptForMFA, type PromptOptions } from './api/prompt-for-mfa.js';
export { openAuthConsoleModal } from './api/open-auth-console-modal.js';
export { configure, type MfaConfig } from './api/configure.js';
export { mfaFetch, interceptFetch, getAccessToken, clearMfa, trackUserAction } from './api/mfa-fetch.js';
export { MfaClient, type MfaClientOptions, type StartChallengeInput, type UserActionEvent } from './client/mfa-client.js';
export type { MfaFetchOptions, InterceptOptions, StepUpFailureReason, StepUpFailedResponse } from './client/mfa-fetch.js';
export { getDefaultClient } from './client/default-client.js';
export { MfaPrompt } from './elements/mfa-prompt/mfa-prompt.js';
export { MfaEnroll } from './elements/mfa-enroll/mfa-enroll.js';
export { MfaProvider } from './elements/mfa-provider/mfa-provider.js';
export { MfaAuthenticators } from './elements/mfa-authenticators/mfa-authenticators.js';
export { MfaError, isMfaError } from './core/errors.js';
export { parseStepUpChallenge } from './core/www-authenticate.js';
export { registerLocale, type MfaStrings } from './i18n/localize.js';
export type * from './core/types.js';
export type { MfaEventMap, MfaErrorDetail } from './elements/shared/events.js';
