/**
 * The stale-response guard (as `@lit/task` does with its call id): of the prompt's requests only
 * the newest one's answer counts, and none once the prompt closed. An answer to an older request
 * — the user switched method, asked for a new code, closed and opened again — never changes the
 * step shown now: its promise simply never settles.
 */
export function latest(live: () => boolean): <T>(request: Promise<T>) => Promise<T> {
  let newest = 0;
  return (request) => {
    const id = ++newest;
    const current = () => id == newest && live();
    return new Promise((resolve, reject) => request.then((v) => current() && resolve(v), (e) => current() && reject(e)));
  };
}
