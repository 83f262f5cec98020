/** Entry of the script-tag bundle: the whole API on `window.MfaElements`, elements defined. */
// First: it reads the script's own URL while the script runs (core/script-base.ts).
import './core/script-base.js';
import './define.js';
export * from './index.js';
