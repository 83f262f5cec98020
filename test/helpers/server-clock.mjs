// The demo server's clock for browser tests: moved forward instead of waiting (a challenge that
// expires after 5 minutes), never mocked in the page. Control, same-origin from the test page:
//   POST /__clock?advance=<ms>   moves the server's clock forward
//   POST /__clock/reset          back to real time (tests do this in `finally`: the server is shared)
export function serverClock() {
  let offset = 0;
  return {
    /** The server's time (ms): what `createDemoApp({ now })` reads. */
    now: () => Date.now() + offset,
    middleware: async (ctx, next) => {
      if (ctx.method === 'POST' && ctx.path === '/__clock') {
        const ms = Number(ctx.query.advance);
        if (!Number.isSafeInteger(ms) || ms < 0) {
          ctx.status = 400;
          return;
        }
        offset += ms;
        ctx.status = 204;
        return;
      }
      if (ctx.method === 'POST' && ctx.path === '/__clock/reset') {
        offset = 0;
        ctx.status = 204;
        return;
      }
      return next();
    },
  };
}
