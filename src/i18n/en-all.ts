/** Every English string (tests and tools; elements import only what they show). */
import { en } from './en.js';
import { enConsole } from './en-console.js';
import { enEnroll } from './en-enroll.js';
import { enSteps } from './en-steps.js';
import { enDetails } from './en-details.js';

export const enAll = { ...en, ...enSteps, ...enEnroll, ...enConsole, ...enDetails } as const;
