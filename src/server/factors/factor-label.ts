import { z } from 'zod';
import { LABEL_CHARACTERS, LABEL_MAX_LENGTH } from '../../core/factor-label.js';

/**
 * A factor's name as every enroll and rename body takes it (core/factor-label.ts has the rule):
 * control characters are malformed input, on enroll and rename alike.
 */
export const factorLabel = z.string().trim().min(1).max(LABEL_MAX_LENGTH).regex(LABEL_CHARACTERS, 'no control characters');
