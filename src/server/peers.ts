/**
 * The server's packages are optional peer dependencies of mfa-elements (a browser-only app installs
 * none of them; docs/packaging.md). A missing one must stop start-up with one line that names
 * what to install, never a stack trace from deep inside a store.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export class MissingPeerError extends Error {
  readonly code = 'MFA_MISSING_PEER';
  constructor(readonly packages: string[], what: string) {
    super(`${what} needs ${packages.join(', ')} (optional peer ${packages.length > 1 ? 'dependencies' : 'dependency'} of mfa-elements): npm i ${packages.join(' ')}`);
    this.name = 'MissingPeerError';
  }
}

/** The package name a "not found" error is about, or null for any other failure (a broken native build…). */
export function missingPackage(err: unknown): string | null {
  const e = err as { code?: string; message?: string } | null;
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' && e?.code !== 'MODULE_NOT_FOUND') return null;
  const name = /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/'.][^/']*)/.exec(e.message ?? '')?.[1];
  return name ?? null;
}

/** Loads a CommonJS peer (better-sqlite3, pino, redis) on first use, synchronously. */
export function requirePeer<T>(name: string, what: string): T {
  try {
    return require(name) as T;
  } catch (err) {
    if (missingPackage(err) === name) throw new MissingPeerError([name], what);
    throw err;
  }
}

/** Where a peer that `requirePeer` already loaded lives (a worker thread loads the same copy). */
export function resolvePeer(name: string): string {
  return require.resolve(name);
}

/**
 * Loads an entry point whose static imports need `names`: checks them all first (so one line lists
 * every missing package), then imports it.
 */
export async function loadWithPeers<T>(what: string, names: string[], load: () => Promise<T>): Promise<T> {
  assertPeers(what, names);
  try {
    return await load();
  } catch (err) {
    throw asMissingPeer(err, what);
  }
}

/** `loadWithPeers` for `require()` (the generated CommonJS entries: docs/packaging.md). */
export function requireWithPeers<T>(what: string, names: string[], load: () => T): T {
  assertPeers(what, names);
  try {
    return load();
  } catch (err) {
    throw asMissingPeer(err, what);
  }
}

function assertPeers(what: string, names: string[]): void {
  const missing = names.filter((name) => {
    try {
      require.resolve(`${name}/package.json`);
      return false;
    } catch (err) {
      // A package that does not export its package.json still resolves through its main entry.
      if ((err as { code?: string }).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return false;
      return true;
    }
  });
  if (missing.length) throw new MissingPeerError(missing, what);
}

function asMissingPeer(err: unknown, what: string): unknown {
  const name = missingPackage(err);
  return name && !name.startsWith('.') ? new MissingPeerError([name], what) : err;
}
