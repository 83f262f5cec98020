/** Every English string (tests and tools; elements import only what they show). */
import { en } from './en.js';
import { enConsole } from './en-console.js';
import { enEnroll } from './en-enroll.js';

export const enAll = { ...en, ...enEnroll, ...enConsole } as const;
