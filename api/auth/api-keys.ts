import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiScope, NewApiKeyRow } from '../../schemas/ports/accounts.js';

/** Every key starts with this, so a leaked key is recognisable (secret scanners, logs). */
export const KEY_PREFIX = 'nxr_';
const keyPattern = /^nxr_[A-Za-z0-9_-]{43}$/;

/** Hex SHA-256 of a key: what is stored and looked up. Keys are 256 random bits, so no slow hash is needed. */
export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export const looksLikeApiKey = (text: string): boolean => keyPattern.test(text);

/** A fresh key for `owner`: the key to show once, and the row to store (hash, never the key). */
export function mintApiKey(
  owner: string,
  label: string,
  scopes: readonly ApiScope[],
): { readonly key: string; readonly row: NewApiKeyRow } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return {
    key,
    row: {
      id: `key_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
      owner,
      prefix: key.slice(0, 12),
      hash: hashApiKey(key),
      label,
      scopes: [...new Set(scopes)],
    },
  };
}
