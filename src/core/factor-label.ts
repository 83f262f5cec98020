/**
 * A factor's name (shown back to the user in lists and notices), one rule for the server's
 * schemas (server/factors/factor-label.ts) and the console's rename field: trimmed, 1 to 64
 * characters, no control characters (nor NUL, which Postgres cannot store).
 */
export const LABEL_MAX_LENGTH = 64;

// eslint-disable-next-line no-control-regex
export const LABEL_CHARACTERS = /^[^\u0000-\u001f\u007f]+$/;
