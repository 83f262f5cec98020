import { z } from 'zod';

/**
 * A factor's name, shown back to the user in lists and notices. Control characters (and NUL,
 * which Postgres cannot store) are malformed input, on enroll and rename alike.
 */
// eslint-disable-next-line no-control-regex
export const factorLabel = z.string().trim().min(1).max(64).regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters');
