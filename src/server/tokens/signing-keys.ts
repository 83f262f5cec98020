/**
 * The Ed25519 keys that sign step-up tokens, kept in the store (private halves sealed by the
 * secret box) and shared by every instance that uses the same store.
 *
 * Rotation (docs/service.md "Key rotation") never breaks a token in flight: `rotateSigningKey`
 * inserts the next key with a future `activateAt` (it is published in the JWKS at once, so
 * caching verifiers learn it before any token carries its `kid`) and gives the current key a
 * `retireAt` after the last token it can sign has expired. Which key signs is decided by time on
 * every call, so all instances switch at the same moment.
 */
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.js';
import type { MfaStore, SigningKeyRecord } from '../stores/store.js';

/** The JWS `alg` names of Ed25519 signatures: RFC 8037's `EdDSA` and RFC 9864's `Ed25519`. */
export const ED25519_ALGS = ['EdDSA', 'Ed25519'] as const;
export type TokenAlg = (typeof ED25519_ALGS)[number];
/** Default `alg` of new tokens: `EdDSA`, which every JWT library with Ed25519 knows (PyJWT 2.6 has no `Ed25519`). */
export const TOKEN_ALG: TokenAlg = 'EdDSA';

/** Parses an alg name from configuration; anything but the two Ed25519 names is refused. */
export function parseTokenAlg(value: string): TokenAlg {
  if ((ED25519_ALGS as readonly string[]).includes(value)) return value as TokenAlg;
  throw new Error(`unsupported token alg "${value}" (use EdDSA or Ed25519)`);
}

export interface PublishedKey {
  kid: string;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/** The key that signs now, plus every key a verifier must know now (pending and previous ones too). */
export interface SigningKeys extends PublishedKey {
  privateKey: CryptoKey;
  /** Published in the JWKS and accepted by the guard: not yet retired (includes the signing key). */
  ring: PublishedKey[];
}

const activation = (r: SigningKeyRecord) => r.activateAt ?? r.createdAt;
const retired = (r: SigningKeyRecord, now: number) => r.retireAt !== undefined && r.retireAt <= now;

/** A new key record, private half sealed; `activateAt` schedules it (default: at once). */
export async function newSigningKeyRecord(box: SecretBox, now: number, activateAt?: number): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = randomUUID();
  return {
    kid,
    alg: 'EdDSA',
    // The JWK's own `alg` is set when it is published (configured name).
    publicJwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, use: 'sig' }),
    privateJwkEnc: box.seal(Buffer.from(JSON.stringify(await exportJWK(privateKey))), `signing-key:${kid}`),
    createdAt: now,
    ...(activateAt !== undefined && { activateAt }),
  };
}

/** Imported keys by kid, so a reload decrypts and imports only keys it has not seen. */
export class KeyCache {
  private readonly imported = new Map<string, { pub: PublishedKey; priv?: CryptoKey }>();
  constructor(private readonly box: SecretBox, private readonly alg: TokenAlg) {}

  async publicOf(r: SigningKeyRecord): Promise<PublishedKey> {
    let entry = this.imported.get(r.kid);
    if (!entry) {
      const publicJwk = { ...(JSON.parse(r.publicJwk) as JWK), kid: r.kid, alg: this.alg, use: 'sig' };
      entry = { pub: { kid: r.kid, publicJwk, publicKey: (await importJWK(publicJwk, 'EdDSA')) as CryptoKey } };
      this.imported.set(r.kid, entry);
    }
    return entry.pub;
  }

  async privateOf(r: SigningKeyRecord): Promise<CryptoKey> {
    await this.publicOf(r);
    const entry = this.imported.get(r.kid)!;
    entry.priv ??= (await importJWK(JSON.parse(this.box.open(r.privateJwkEnc, `signing-key:${r.kid}`).toString('utf8')) as JWK, 'EdDSA')) as CryptoKey;
    return entry.priv;
  }
}

/**
 * The view at `now` of the stored keys: the newest activated, unretired key signs; every
 * unretired key (scheduled ones included) is published and accepted. The first key ever is
 * created here when the store has none (concurrent instances agree on one).
 */
export async function loadSigningKeys(store: MfaStore, box: SecretBox, now: number, cache = new KeyCache(box, TOKEN_ALG)): Promise<{ records: SigningKeyRecord[]; cache: KeyCache }> {
  let records = await store.listSigningKeys();
  if (records.length === 0) records = [await store.getOrInsertSigningKey(await newSigningKeyRecord(box, now))];
  // Import now, so a broken record fails the load (and is retried) rather than a later request.
  for (const r of records) if (!retired(r, now)) await cache.publicOf(r);
  return { records, cache };
}

export async function viewAt(records: SigningKeyRecord[], cache: KeyCache, now: number): Promise<SigningKeys> {
  const live = records.filter((r) => !retired(r, now));
  const active = live.filter((r) => activation(r) <= now).sort((a, b) => activation(b) - activation(a) || b.createdAt - a.createdAt);
  // Every key retired (an emergency retirement without a successor): sign with the newest one
  // rather than with none; `keys rotate --now` is the fix.
  const signer = active[0] ?? [...records].sort((a, b) => b.createdAt - a.createdAt)[0]!;
  const ring = await Promise.all((live.length ? live : [signer]).map((r) => cache.publicOf(r)));
  return { ...(await cache.publicOf(signer)), privateKey: await cache.privateOf(signer), ring };
}

export interface RotationPlan {
  /** How long the next key is published before it signs (ms): at least the verifiers' JWKS cache time. */
  publishAheadMs: number;
  /** Token lifetime (ms): the current key stays published this long after the switch. */
  tokenLifetimeMs: number;
  /** Emergency: the new key signs at once and every other key is retired at once. */
  immediate?: boolean;
}

/**
 * Schedules the next key. Normal: it activates after `publishAheadMs`, and every key active now
 * retires once tokens it signs before the switch have expired. `immediate`: a suspected leak —
 * old tokens stop working now.
 */
export async function rotateSigningKey(store: MfaStore, box: SecretBox, now: number, plan: RotationPlan): Promise<{ next: SigningKeyRecord; retired: { kid: string; retireAt: number }[] }> {
  const current = (await loadSigningKeys(store, box, now)).records.filter((r) => !retired(r, now));
  const activateAt = plan.immediate ? now : now + plan.publishAheadMs;
  const next = await newSigningKeyRecord(box, now, activateAt);
  await store.insertSigningKey(next);
  const retireAt = plan.immediate ? now : activateAt + plan.tokenLifetimeMs + KEY_REFRESH_MS;
  const out: { kid: string; retireAt: number }[] = [];
  for (const r of current) {
    if (await store.retireSigningKey(r.kid, retireAt)) out.push({ kid: r.kid, retireAt });
  }
  return { next, retired: out };
}

/**
 * How often an instance re-reads the key list (ms). Also the slack added to retirements: an
 * instance whose list is this stale still signs with a key the others accept.
 */
export const KEY_REFRESH_MS = 30_000;
