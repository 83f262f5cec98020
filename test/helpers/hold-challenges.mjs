// A deferred route for browser tests: holds the next `POST /mfa/challenges` on its way to the real
// server until the test lets it through (or drops its connection), so a test can act while the
// challenge start is in flight — without mocking fetch. Control, same-origin from the test page:
//   POST /__hold/arm       hold the next challenge start
//   GET  /__hold           → { held: n } requests waiting now
//   POST /__hold/release   let them through to the server, which answers them as usual
export function holdChallenges() {
  let armed = false;
  const held = [];
  return async (ctx, next) => {
    if (ctx.path === '/__hold/arm' && ctx.method === 'POST') {
      armed = true;
      ctx.status = 204;
      return;
    }
    if (ctx.path === '/__hold' && ctx.method === 'GET') {
      ctx.body = { held: held.length };
      return;
    }
    if (ctx.path === '/__hold/release' && ctx.method === 'POST') {
      for (const release of held.splice(0)) release();
      ctx.status = 204;
      return;
    }
    if (armed && ctx.method === 'POST' && ctx.path === '/mfa/challenges') {
      armed = false;
      await new Promise((resolve) => held.push(resolve));
    }
    return next();
  };
}
