/**
 * AES-256-GCM encryption of secrets at rest (TOTP seeds, private signing keys).
 * The key lives outside the database: `MFA_ENCRYPTION_KEY` (64 hex chars or base64 of 32 bytes)
 * or a key file created with mode 0600 beside the database. A stolen database alone reveals no seed.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const VERSION = 'v1';
/** GCM tag length: the full 128 bits, written and required. */
const TAG_BYTES = 16;

export class SecretBox {
  readonly #key: Buffer;
  /** A separate key for MACs (derived, so the encryption key is never used for two jobs). */
  readonly #macKey: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError('the encryption key must be 32 bytes');
    this.#key = Buffer.from(key);
    this.#macKey = Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), 'mfa-elements mac v1', 32));
  }

  /**
   * Keyed hash (HMAC-SHA256, hex) for short secrets that are stored only to be compared, like
   * 6-digit SMS codes: a plain hash of a million possible codes would be reversed at once.
   */
  mac(data: string): string {
    return createHmac('sha256', this.#macKey).update(data, 'utf8').digest('hex');
  }

  /** `aad` binds the ciphertext to its owner (e.g. user + factor id): it cannot be moved to another row. */
  seal(plain: Uint8Array, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string, aad: string): Buffer {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('unreadable sealed secret');
    // GCM would check a tag cut short (down to 4 bytes) against as many bytes: a forgery would
    // then need only 2^32 tries. Only the full 16-byte tag `seal` writes is accepted.
    const tagBytes = Buffer.from(tag, 'base64url');
    if (tagBytes.length !== TAG_BYTES) throw new Error('unreadable sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  }
}

export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new RangeError('MFA_ENCRYPTION_KEY must be 32 bytes (64 hex characters or base64)');
  return key;
}

/**
 * The env key when set; otherwise the key file at `keyFile`, created (mode 0600) on first use.
 */
export function loadOrCreateKey(keyFile: string, env: string | undefined = process.env.MFA_ENCRYPTION_KEY): Buffer {
  if (env) return parseKey(env);
  if (existsSync(keyFile)) return parseKey(readFileSync(keyFile, 'utf8'));
  mkdirSync(dirname(keyFile), { recursive: true });
  const key = randomBytes(32);
  // 'wx' fails if another process created it meanwhile; then we read theirs.
  try {
    writeFileSync(keyFile, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    return parseKey(readFileSync(keyFile, 'utf8'));
  }
}
