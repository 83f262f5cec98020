/** Entry of the script-tag bundle: the whole API on `window.MfaElements`, elements defined. */
import './define.js';
export * from './index.js';
