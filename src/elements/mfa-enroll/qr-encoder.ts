/**
 * The QR encoder: the core of `qrcode` (no renderers, no CLI). In the package this module is
 * replaced by that core bundled as one ES module (scripts/build.mjs), so installing mfa-elements
 * installs neither qrcode nor its command-line dependencies (docs/packaging.md).
 */
import * as core from 'qrcode/lib/core/qrcode.js';

export type QrCreate = (
  text: string,
  options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' },
) => { modules: { size: number; data: Uint8Array } };

// qrcode is CommonJS: bundlers expose `create` either by name or only on `default`.
const mod = core as { create?: QrCreate; default?: { create: QrCreate } };
export const create: QrCreate = mod.create ?? mod.default!.create;
