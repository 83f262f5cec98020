/**
 * The browser protocol's routes (mounted at `/mfa`), each behind the app session. Listed once so
 * the session middleware is attached to exactly these (an unknown path is a 404 before any
 * session check) and the OpenAPI test can compare them with the document.
 */
export const SESSION_ROUTES: readonly (readonly ['GET' | 'POST' | 'PATCH' | 'DELETE', string])[] = [
  ['GET', '/factors'],
  ['POST', '/factors'],
  ['POST', '/factors/:id/confirm'],
  ['POST', '/factors/:id/resend'],
  ['PATCH', '/factors/:id'],
  ['DELETE', '/factors/:id'],
  ['POST', '/recovery-codes'],
  ['POST', '/challenges'],
  ['POST', '/challenges/:id/resume'],
  ['POST', '/challenges/:id/resend'],
  ['DELETE', '/session'],
  ['POST', '/audit'],
];
