// Hands requests under the given prefixes from the wtr (Koa) server to a Fetch-style app
// (`app.fetch(Request) → Response`), so browser tests reach the real server same-origin.
import { Readable } from 'node:stream';

export function mountFetchApp(app, prefixes) {
  return async (ctx, next) => {
    if (!prefixes.some((p) => ctx.path === p || ctx.path.startsWith(p + '/'))) return next();
    const url = new URL(ctx.originalUrl, `http://${ctx.host}`);
    const hasBody = !['GET', 'HEAD'].includes(ctx.method);
    const request = new Request(url, {
      method: ctx.method,
      headers: Object.entries(ctx.req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])),
      body: hasBody ? Readable.toWeb(ctx.req) : undefined,
      duplex: hasBody ? 'half' : undefined,
    });
    const response = await app.fetch(request);
    ctx.status = response.status;
    response.headers.forEach((value, key) => { if (key !== 'set-cookie') ctx.set(key, value); });
    const cookies = response.headers.getSetCookie();
    if (cookies.length) ctx.set('set-cookie', cookies);
    ctx.body = Buffer.from(await response.arrayBuffer());
  };
}
