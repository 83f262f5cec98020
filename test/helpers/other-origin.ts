/**
 * Servers at other origins for browser tests: a service worker (other-origin/sw.js) answers every
 * cross-origin request made through `frameFetch` as its query string asks, and records what
 * arrived. The test server itself has a single origin and sends no CORS headers, so a real
 * cross-origin 401 could not even be read by the page; the worker sits in the browser's real
 * fetch path instead, after mfaFetch has built its request and before anything is sent.
 * Same-origin requests through `frameFetch` reach the real test server (same cookies).
 */
export interface Received {
  method: string;
  url: string;
  /** Lower-case names, as the request carried them. */
  headers: Record<string, string>;
}

export interface OtherOrigins {
  /** `fetch` of a same-origin frame the worker controls: hand it to an `MfaClient` or patch it in. */
  fetch: typeof fetch;
  /** What the other origins received since the last call. */
  requests(): Promise<Received[]>;
  /** Removes the frame and unregisters the worker. */
  close(): Promise<void>;
}

const SCOPE = new URL('./other-origin/', import.meta.url).pathname;

export async function otherOrigins(): Promise<OtherOrigins> {
  const registration = await navigator.serviceWorker.register(`${SCOPE}sw.js`, { scope: SCOPE });
  const worker = registration.installing ?? registration.waiting ?? registration.active!;
  if (worker.state !== 'activated') {
    await new Promise<void>((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()));
  }
  const frame = document.createElement('iframe');
  frame.hidden = true;
  frame.src = `${SCOPE}frame`;
  await new Promise((resolve) => {
    frame.addEventListener('load', resolve, { once: true });
    document.body.append(frame);
  });
  const win = frame.contentWindow as (Window & typeof globalThis) | null;
  if (!win?.navigator.serviceWorker.controller) throw new Error('other-origin: the frame is not controlled by the worker');
  const frameFetch: typeof fetch = (input, init) => win.fetch(input, init);
  return {
    fetch: frameFetch,
    requests: async () => (await frameFetch(`${SCOPE}requests`)).json() as Promise<Received[]>,
    close: async () => {
      frame.remove();
      // Not awaited: Chromium sometimes keeps this promise pending for good (a queued soft update
      // of the worker?). The page's browser context, and the worker with it, ends with the file.
      void registration.unregister().catch(() => {});
    },
  };
}
