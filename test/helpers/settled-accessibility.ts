/**
 * `expect(el).to.be.accessible()` checks the colors a user reads, not a frame of the opening
 * animation: it first waits for every finite animation on the page and in `el`'s shadow root to
 * end (as drive.ts `settled` does by hand). axe measures the colors on screen; mid-fade, the
 * prompt's secondary text is lighter (#828990 on white, 3.5:1) than its settled 4.5:1 and
 * above, so a check run as soon as the prompt had focus failed now and then, and the prompt it
 * left open broke every later test of its file. Imported for its effect by session.ts.
 */
import { chai } from '@open-wc/testing';

type Assertion = { _obj: unknown; then?: unknown };

chai.use((_chai: unknown, utils: { overwriteMethod: (proto: object, name: string, fn: (sup: (...a: unknown[]) => Assertion) => unknown) => void }) => {
  utils.overwriteMethod(chai.Assertion.prototype, 'accessible', (axeCheck) => function (this: Assertion, ...args: unknown[]) {
    const result = animationsDone(this._obj).then(() => new Promise((resolve, reject) => {
      // The original sets `then` on the assertion to its own result: awaited here instead.
      const checked = axeCheck.apply(this, args) as unknown as PromiseLike<unknown>;
      checked.then(resolve, reject);
    }));
    this.then = result.then.bind(result);
    return this;
  });
});

async function animationsDone(el: unknown): Promise<void> {
  const root = el instanceof Element ? el.shadowRoot : null;
  const animations = [...document.getAnimations(), ...(root?.getAnimations() ?? [])];
  const finite = animations.filter((a) => a.effect?.getComputedTiming().endTime !== Infinity);
  await Promise.all(finite.map((a) => a.finished.catch(() => {})));
}
