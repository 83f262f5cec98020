/**
 * `openAuthConsoleModal()` (Transcodes): the user's own MFA settings in a modal. Resolves when it
 * closes. Until the authenticators console (`<mfa-authenticators>`) exists, it opens the set-up
 * flow (`<mfa-enroll>`), which is what the documented use — "set up MFA first" — needs.
 */
import { MfaEnroll } from '../elements/mfa-enroll/mfa-enroll.js';
import { defineElement } from '../elements/shared/define-element.js';
import { configuredLocale } from './configure.js';
import { ensureOpener } from './open-auth-idp-modal.js';

export function openAuthConsoleModal(): Promise<void> {
  ensureOpener();
  defineElement('mfa-enroll', MfaEnroll);
  const enroll = document.createElement('mfa-enroll') as MfaEnroll;
  const locale = configuredLocale();
  if (locale) enroll.locale = locale;
  return new Promise<void>((resolve) => {
    enroll.addEventListener('mfa-hide', () => {
      enroll.remove();
      resolve();
    }, { once: true });
    document.body.append(enroll);
    enroll.show();
  });
}
