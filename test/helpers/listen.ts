/** Serves a Hono app (or any fetch handler) on a real loopback socket for the duration of a test. */
import { serve } from '@hono/node-server';

export function listen(fetchHandler: (req: Request, env?: unknown) => Response | Promise<Response>): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: fetchHandler as never, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}
