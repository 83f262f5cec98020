// Other origins for the browser tests (test/helpers/other-origin.ts), inside the browser's own
// network path. The test server has one origin with no CORS, so a cross-origin 401 could never
// be read; this service worker stands in for the servers at every other origin instead. It
// controls only the hidden frame at `<scope>frame`, whose `fetch` the tests hand to mfaFetch, and
// it sees each cross-origin request exactly as the browser would put it on the wire (before any
// CORS preflight): it records it and answers as the query string asks:
//   ?status=401&resource=R&action=A[&max_age=N][&body_max_age=N]
//       → without a Step-Up-Token header: an RFC 9470 step-up challenge for R/A (`max_age` in the
//         header and the body; `body_max_age` in the body only); with one: 200 (any token will
//         do — it is what a server harvesting tokens would answer)
//   (anything else) → 200
// Every answer echoes what arrived: `{ …, received: { method, url, headers } }`.
// Same-origin requests go to the real test server untouched, except `<scope>frame` (a blank page)
// and `<scope>requests` (what the other origins received since the last call, then forgotten).

// In memory: Chromium stops an idle worker after ~30 s, so read it back within a test.
/** @type {{ method: string, url: string, headers: Record<string, string> }[]} */
let seen = [];

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  const scope = new URL(self.registration.scope).pathname;
  if (url.origin === self.location.origin) {
    if (url.pathname === `${scope}frame`) {
      event.respondWith(new Response('<!doctype html><title>other-origin frame</title>', { headers: { 'content-type': 'text/html; charset=utf-8' } }));
    } else if (url.pathname === `${scope}requests`) {
      const all = seen;
      seen = [];
      event.respondWith(Response.json(all));
    }
    return; // the real server
  }
  const received = { method: request.method, url: request.url, headers: Object.fromEntries(request.headers) };
  seen.push(received);
  const q = url.searchParams;
  if (q.get('status') !== '401' || request.headers.has('step-up-token')) {
    event.respondWith(Response.json({ ok: true, received }));
    return;
  }
  const maxAge = q.get('max_age');
  const params = ['error="insufficient_user_authentication"', 'acr_values="mfa"', ...(maxAge ? [`max_age=${maxAge}`] : [])];
  const bodyMaxAge = q.get('body_max_age') ?? maxAge;
  const body = {
    error: { code: 'insufficient_user_authentication', message: `A fresh second-factor check is needed for ${q.get('resource')}/${q.get('action')}.` },
    resource: q.get('resource'),
    action: q.get('action'),
    acr_values: 'mfa',
    ...(bodyMaxAge ? { max_age: Number(bodyMaxAge) } : {}),
    received,
  };
  event.respondWith(Response.json(body, { status: 401, headers: { 'www-authenticate': `Bearer ${params.join(', ')}`, 'cache-control': 'no-store' } }));
});
