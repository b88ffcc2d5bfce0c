/**
 * Users and their API keys (sql/0003 `users`, `api_keys`). The repository never sees a key in clear: the API
 * makes the key, shows it once, and hands over its SHA-256 hash. Every call that reads or changes a user's
 * rows names the owner; SQL adapters also run those statements under row-level security as that user.
 */

/** What a key may do: `read` market data and own alerts/rules; `write` rules and keys. */
export type ApiScope = 'read' | 'write';

export interface UserRecord {
  readonly id: string;
  readonly email: string | null;
  readonly displayName: string | null;
  /** ms since epoch */
  readonly createdAt: number;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly owner: string;
  /** the key's first characters, shown so a user can tell keys apart */
  readonly prefix: string;
  readonly label: string;
  readonly scopes: readonly ApiScope[];
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

export interface NewApiKeyRow {
  readonly id: string;
  readonly owner: string;
  readonly prefix: string;
  /** hex SHA-256 of the whole key */
  readonly hash: string;
  readonly label: string;
  readonly scopes: readonly ApiScope[];
}

export interface AccountRepository {
  /** Creates the user if missing (fields of an existing user are left alone); returns the stored user. */
  ensureUser(user: {
    readonly id: string;
    readonly email?: string | null;
    readonly displayName?: string | null;
  }): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | null>;
  /** Stores a key of an existing user; NXR_NOT_FOUND if the owner does not exist. */
  insertApiKey(row: NewApiKeyRow): Promise<ApiKeyRecord>;
  /** The key with this hash if it exists and is not revoked (the authentication lookup). */
  findActiveKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  /** The key if it exists and is not revoked (checks a session token's key is still valid). */
  findActiveKeyById(id: string): Promise<ApiKeyRecord | null>;
  listApiKeys(owner: string): Promise<readonly ApiKeyRecord[]>;
  /** true if the owner had this key and it was active */
  revokeApiKey(owner: string, id: string): Promise<boolean>;
  /** Records a successful use (callers throttle it; the column is coarse). */
  markKeyUsed(id: string, at: number): Promise<void>;
}
