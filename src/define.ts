/** Registers every element (guarded) and lets them step up through the shared prompt. The only side-effect module. */
import { ensureOpener } from './api/open-auth-idp-modal.js';
import { MfaAuthenticators } from './elements/mfa-authenticators/mfa-authenticators.js';
import { MfaEnroll } from './elements/mfa-enroll/mfa-enroll.js';
import { MfaPrompt } from './elements/mfa-prompt/mfa-prompt.js';
import { MfaProvider } from './elements/mfa-provider/mfa-provider.js';
import { defineElement } from './elements/shared/define-element.js';

defineElement('mfa-prompt', MfaPrompt);
defineElement('mfa-enroll', MfaEnroll);
defineElement('mfa-provider', MfaProvider);
defineElement('mfa-authenticators', MfaAuthenticators);
ensureOpener();
