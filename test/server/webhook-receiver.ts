/**
 * A real webhook receiver for the audit tests: node:http on 127.0.0.1 (free port) that checks
 * every request with the exported `verifyWebhookSignature`, exactly as an integrator would,
 * answers 401 to a bad signature, and otherwise answers what the test's `respond` says.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../src/server/index.js';

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  /** The raw body as received. */
  body: string;
  /** verifyWebhookSignature's verdict. */
  valid: boolean;
  /** Status the receiver answered. */
  status: number;
}

export interface ReceiverOptions {
  secret: string | string[];
  /** The receiver's clock in ms (tests pass the server's frozen clock). */
  now: () => number;
  /**
   * Status for the n-th validly signed request (1-based), or `'hang'` to never answer.
   * Default 204.
   */
  respond?: (n: number, req: ReceivedRequest) => number | 'hang';
}

export async function startReceiver(options: ReceiverOptions) {
  const requests: ReceivedRequest[] = [];
  const hanging: ServerResponse[] = [];
  let validCount = 0;
  let waiters: { n: number; resolve: () => void }[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const valid = verifyWebhookSignature({
        secret: options.secret,
        body,
        timestamp: req.headers['mfa-webhook-timestamp'] as string | undefined,
        signature: req.headers['mfa-webhook-signature'] as string | undefined,
        // Audit deliveries sign their id (`v2`); sender messages carry none (`v1`).
        id: req.headers['mfa-webhook-id'] as string | undefined,
        now: options.now(),
      });
      const entry: ReceivedRequest = { headers: req.headers, body, valid, status: 401 };
      requests.push(entry);
      let answer: number | 'hang' = 401;
      if (valid) answer = options.respond ? options.respond(++validCount, entry) : (++validCount, 204);
      if (answer === 'hang') {
        entry.status = 0;
        hanging.push(res);
      } else {
        entry.status = answer;
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? '' : 'no');
      }
      const ready = waiters.filter((w) => requests.length >= w.n);
      waiters = waiters.filter((w) => requests.length < w.n);
      for (const w of ready) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/hooks/mfa`;

  return {
    url,
    requests,
    /** Validly signed requests the receiver accepted (2xx). */
    accepted: () => requests.filter((r) => r.valid && r.status >= 200 && r.status < 300),
    /** Resolves once `n` requests (of any kind) have arrived. */
    waitForRequests(n: number): Promise<void> {
      if (requests.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    /** Sends a raw request to the receiver (tamper tests); returns the status it answered. */
    async send(body: string, headers: Record<string, string>): Promise<number> {
      const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
      await res.body?.cancel();
      return res.status;
    },
    async close(): Promise<void> {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
