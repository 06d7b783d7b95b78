/**
 * Encryption at rest of secrets in the metadata database (variable values, connection passwords
 * and extras), as Airflow's Fernet: AES-256-GCM with a random nonce per value, so a copied
 * database or backup reveals nothing without the key. Several keys may be configured for
 * rotation (as Airflow's MultiFernet): the first encrypts, every one decrypts, and
 * `gale rotate-fernet-key` re-encrypts everything with the first.
 * Never log a key or a decrypted value.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GaleError } from '../models/index.js';

const PREFIX = 'gale1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function keyError(detail: string): GaleError {
  return new GaleError('GALE_ERR_FERNET_KEY', detail, {
    hint: 'Set GALE__CORE__FERNET_KEY to the same key on every Gale process: 32 random bytes in base64 ("gale fernet-key" prints a new one; comma-separate an old key after the new one to rotate).',
  });
}

/** A new key, as core.fernet_key takes it. */
export function generateFernetKey(): string {
  return randomBytes(32).toString('base64url');
}

function parseKey(text: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length !== 32)
    throw keyError(`A core.fernet_key entry is ${key.length} bytes; it must be 32 (base64)`);
  return key;
}

export class SecretBox {
  readonly #keys: Buffer[];

  /** `keys`: core.fernet_key's comma-separated keys, the one that encrypts first. */
  constructor(keys: string) {
    this.#keys = keys
      .split(',')
      .filter((k) => k.trim() !== '')
      .map(parseKey);
  }

  get hasKey(): boolean {
    return this.#keys.length > 0;
  }

  encrypt(plain: string): string {
    const key = this.#keys[0];
    if (!key) throw keyError('Gale stores secrets encrypted, and no core.fernet_key is set');
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url');
  }

  decrypt(stored: string): string {
    if (!stored.startsWith(PREFIX)) throw keyError("A stored secret is not in Gale's encrypted form");
    if (this.#keys.length === 0)
      throw keyError('A secret in the database is encrypted, and no core.fernet_key is set');
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
    const nonce = raw.subarray(0, NONCE_BYTES);
    const tag = raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES);
    const body = raw.subarray(NONCE_BYTES + TAG_BYTES);
    for (const key of this.#keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, nonce);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch {
        // not this key (or tampered): try the next
      }
    }
    throw keyError(
      'No key of core.fernet_key decrypts a stored secret (a wrong key, or the value was altered)',
    );
  }

  /** Whether a stored value is encrypted with the first key already (rotation skips it). */
  isCurrent(stored: string): boolean {
    const first = this.#keys[0];
    if (!first || !stored.startsWith(PREFIX)) return false;
    try {
      new SecretBox(first.toString('base64url')).decrypt(stored);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * The keys in use: core.fernet_key, else the key `gale standalone` keeps in $GALE_HOME/fernet_key,
 * else none (storing a secret then fails, saying what to set).
 */
export function fernetKeys(configured: string, home: string): string {
  if (configured.trim() !== '') return configured;
  const file = join(home, 'fernet_key');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
}
