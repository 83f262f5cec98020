/**
 * A failed assertion about an element must be reported as a failure, not hang its file. wtr sends
 * each test's error to the test server with `expected` and `actual` as they are, through
 * `structuredClone`, which throws on a DOM node: the page's results never leave, and wtr only says,
 * 120 s later, that the file "did not finish" (an `expect(document.querySelector('mfa-prompt'))
 * .to.equal(null)` that failed did exactly that). A root `afterEach` (this module is imported for
 * its effect by session.ts) replaces what cannot be cloned with a description of it.
 */
afterEach(function () {
  const err = this.currentTest?.err as { actual?: unknown; expected?: unknown } | undefined;
  if (!err) return;
  for (const key of ['actual', 'expected'] as const) {
    if (key in err && !cloneable(err[key])) err[key] = describeValue(err[key]);
  }
});

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** An element as its start tag (and, for ours, the scope it was opened for); anything else as a string. */
function describeValue(value: unknown): string {
  if (value instanceof Element) {
    const tag = value.outerHTML.slice(0, value.outerHTML.indexOf('>') + 1).slice(0, 200);
    const scope = value as Element & { resource?: unknown; action?: unknown; open?: unknown };
    const props = ['resource', 'action', 'open'].filter((p) => (scope as unknown as Record<string, unknown>)[p] !== undefined)
      .map((p) => `${p}=${JSON.stringify((scope as unknown as Record<string, unknown>)[p])}`);
    return `${tag}${props.length ? ` (${props.join(', ')})` : ''}${value.isConnected ? '' : ' (not in the document)'}`;
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
