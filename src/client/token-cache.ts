/**
 * Step-up tokens in memory only (never web storage: any script on the page could read it),
 * keyed by resource and action and dropped at expiry.
 */
export interface CachedToken {
  token: string;
  sid: string;
  /** Epoch ms. */
  expiresAt: number;
}

const keyOf = (resource: string, action: string) => `${resource}\u0000${action}`;

export class TokenCache {
  readonly #tokens = new Map<string, CachedToken>();

  constructor(private readonly now: () => number = Date.now) {}

  set(resource: string, action: string, entry: CachedToken): void {
    this.#tokens.set(keyOf(resource, action), entry);
  }

  get(resource: string, action: string): CachedToken | undefined {
    const key = keyOf(resource, action);
    const entry = this.#tokens.get(key);
    // A small margin so a token does not expire on its way to the server.
    if (entry && entry.expiresAt - 2_000 <= this.now()) {
      this.#tokens.delete(key);
      return undefined;
    }
    return entry;
  }

  /** The token for one request: returned once, then forgotten (routes accept a token once by default). */
  take(resource: string, action: string): CachedToken | undefined {
    const entry = this.get(resource, action);
    this.delete(resource, action);
    return entry;
  }

  delete(resource: string, action: string): void {
    this.#tokens.delete(keyOf(resource, action));
  }

  clear(): void {
    this.#tokens.clear();
  }
}
