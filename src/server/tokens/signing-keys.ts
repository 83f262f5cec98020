/**
 * The EdDSA key pair that signs step-up tokens: created once, kept in the store (private half
 * sealed by the secret box), shared by every instance that uses the same store.
 */
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.js';
import type { MfaStore } from '../stores/store.js';

export const TOKEN_ALG = 'EdDSA';

export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function loadSigningKeys(store: MfaStore, box: SecretBox, now: number): Promise<SigningKeys> {
  const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALG, { crv: 'Ed25519', extractable: true });
  const kid = randomUUID();
  const candidate = {
    kid,
    alg: TOKEN_ALG,
    publicJwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALG, use: 'sig' }),
    privateJwkEnc: box.seal(Buffer.from(JSON.stringify(await exportJWK(privateKey))), `signing-key:${kid}`),
    createdAt: now,
  };
  // Whoever inserted first wins; every instance then signs with the same key.
  const record = await store.getOrInsertSigningKey(candidate);
  const publicJwk = JSON.parse(record.publicJwk) as JWK;
  const privateJwk = JSON.parse(box.open(record.privateJwkEnc, `signing-key:${record.kid}`).toString('utf8')) as JWK;
  return {
    kid: record.kid,
    publicJwk,
    publicKey: (await importJWK(publicJwk, TOKEN_ALG)) as CryptoKey,
    privateKey: (await importJWK(privateJwk, TOKEN_ALG)) as CryptoKey,
  };
}
