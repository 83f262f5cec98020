/**
 * `openAuthConsoleModal()` (Transcodes): the user's MFA console (`<mfa-authenticators>`) in a
 * modal — list, add, rename and remove factors, regenerate recovery codes. Resolves when it closes.
 */
import { MfaAuthenticators } from '../elements/mfa-authenticators/mfa-authenticators.js';
import { MfaEnroll } from '../elements/mfa-enroll/mfa-enroll.js';
import { defineElement } from '../elements/shared/define-element.js';
import { configuredLocale } from './configured-locale.js';
import { ensureOpener } from './open-auth-idp-modal.js';

export function openAuthConsoleModal(): Promise<void> {
  ensureOpener();
  defineElement('mfa-enroll', MfaEnroll); // the console adds factors with it
  defineElement('mfa-authenticators', MfaAuthenticators);
  const console_ = document.createElement('mfa-authenticators');
  const locale = configuredLocale();
  if (locale) console_.locale = locale;
  return new Promise<void>((resolve) => {
    console_.addEventListener('mfa-hide', () => {
      console_.remove();
      resolve();
    }, { once: true });
    document.body.append(console_);
    console_.show();
  });
}
