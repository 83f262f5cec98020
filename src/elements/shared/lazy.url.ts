/**
 * The script-tag bundle's lazy loaders (swapped in for lazy.ts by scripts/build.mjs): the IIFE
 * imports `mfa-prompt-steps.js`, `mfa-passkeys.js` and `mfa-qr.js` from beside itself on first
 * use, like its locales. All are self-contained ES modules without Lit (templates come from the host).
 */
type Steps = typeof import('../mfa-prompt/prompt-steps.js');
type Passkeys = typeof import('./passkeys.js');
type QrEncoder = typeof import('../mfa-enroll/qr-encoder.js');

import { scriptBase as base } from '../../core/script-base.js';

export const loadSteps = (): Promise<Steps> => import(/* @vite-ignore */ new URL('mfa-prompt-steps.js', base).href);
export const loadPasskeys = (): Promise<Passkeys> => import(/* @vite-ignore */ new URL('mfa-passkeys.js', base).href);
export const loadQrEncoder = (): Promise<QrEncoder> => import(/* @vite-ignore */ new URL('mfa-qr.js', base).href);
