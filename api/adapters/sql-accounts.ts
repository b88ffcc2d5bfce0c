import { NexuralError } from '../../schemas/errors.js';
import type {
  AccountRepository,
  ApiKeyRecord,
  ApiScope,
  NewApiKeyRow,
  UserRecord,
} from '../../schemas/ports/accounts.js';
import type { SqlClient, SqlRows } from './sql-client.js';

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

const keyColumns = `id, owner, key_prefix, label, scopes, ${epochMs('created_at')} AS created_ms,
  ${epochMs('last_used_at')} AS last_used_ms, ${epochMs('revoked_at')} AS revoked_ms`;

interface KeyRow {
  id: string;
  owner: string;
  key_prefix: string;
  label: string;
  scopes: string[];
  created_ms: number;
  last_used_ms: number | null;
  revoked_ms: number | null;
}

interface UserRow {
  id: string;
  email: string | null;
  display_name: string | null;
  created_ms: number;
}

const knownScopes = new Set<string>(['read', 'write'] satisfies ApiScope[]);

const toKey = (row: KeyRow): ApiKeyRecord => ({
  id: row.id,
  owner: row.owner,
  prefix: row.key_prefix,
  label: row.label,
  scopes: row.scopes.filter((scope): scope is ApiScope => knownScopes.has(scope)),
  createdAt: Number(row.created_ms),
  lastUsedAt: row.last_used_ms === null ? null : Number(row.last_used_ms),
  revokedAt: row.revoked_ms === null ? null : Number(row.revoked_ms),
});

const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  createdAt: Number(row.created_ms),
});

const sqlState = (error: unknown): unknown => (error as { code?: unknown }).code;

/**
 * Users and API keys in the store's database. Statements on one user's rows run as `nexural_app_user` with
 * `nexural.user_id` set (sql/0005), so row-level security holds even if a query here forgot its owner
 * filter; the key lookup by hash runs as the connecting role, since it is what finds the user. The connecting
 * role must be allowed to SET ROLE nexural_app_user (a superuser, or `GRANT nexural_app_user TO <role>`).
 */
export function sqlAccountRepository(db: SqlClient): AccountRepository {
  const asUser = <Result>(owner: string, work: (tx: SqlRows) => Promise<Result>): Promise<Result> =>
    db.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE nexural_app_user');
      await tx.query(`SELECT set_config('nexural.user_id', $1, true)`, [owner]);
      return work(tx);
    });

  const getUser = async (id: string): Promise<UserRecord | null> => {
    const { rows } = await asUser(id, (tx) =>
      tx.query<UserRow>(
        `SELECT id, email, display_name, ${epochMs('created_at')} AS created_ms FROM users WHERE id = $1`,
        [id],
      ),
    );
    return rows[0] ? toUser(rows[0]) : null;
  };

  return {
    async ensureUser(user) {
      try {
        await db.query(
          'INSERT INTO users (id, email, display_name) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
          [user.id, user.email?.toLowerCase() ?? null, user.displayName ?? null],
        );
      } catch (error) {
        if (sqlState(error) !== '23505') throw error;
        throw new NexuralError('NXR_CONFLICT', `e-mail "${user.email}" belongs to another user`, {
          path: ['email'],
        });
      }
      const stored = await getUser(user.id);
      if (!stored) throw new NexuralError('NXR_INTERNAL', `user "${user.id}" vanished after its insert`);
      return stored;
    },

    getUser,

    async insertApiKey(row: NewApiKeyRow) {
      try {
        const { rows } = await asUser(row.owner, (tx) =>
          tx.query<KeyRow>(
            `INSERT INTO api_keys (id, owner, key_prefix, key_hash, label, scopes)
             VALUES ($1, $2, $3, $4, $5, $6::text[]) RETURNING ${keyColumns}`,
            [row.id, row.owner, row.prefix, row.hash, row.label, [...row.scopes]],
          ),
        );
        const [inserted] = rows;
        if (!inserted) throw new NexuralError('NXR_INTERNAL', `API key ${row.id} was not inserted`);
        return toKey(inserted);
      } catch (error) {
        if (sqlState(error) !== '23503') throw error;
        throw new NexuralError('NXR_NOT_FOUND', `user "${row.owner}" does not exist`, { path: ['owner'] });
      }
    },

    async findActiveKeyByHash(hash) {
      const { rows } = await db.query<KeyRow>(
        `SELECT ${keyColumns} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
        [hash],
      );
      return rows[0] ? toKey(rows[0]) : null;
    },

    async findActiveKeyById(id) {
      const { rows } = await db.query<KeyRow>(
        `SELECT ${keyColumns} FROM api_keys WHERE id = $1 AND revoked_at IS NULL`,
        [id],
      );
      return rows[0] ? toKey(rows[0]) : null;
    },

    async listApiKeys(owner) {
      const { rows } = await asUser(owner, (tx) =>
        tx.query<KeyRow>(`SELECT ${keyColumns} FROM api_keys WHERE owner = $1 ORDER BY created_at, id`, [
          owner,
        ]),
      );
      return rows.map(toKey);
    },

    async revokeApiKey(owner, id) {
      const { rows } = await asUser(owner, (tx) =>
        tx.query(
          `UPDATE api_keys SET revoked_at = now() WHERE owner = $1 AND id = $2 AND revoked_at IS NULL
           RETURNING id`,
          [owner, id],
        ),
      );
      return rows.length > 0;
    },

    async markKeyUsed(id, at) {
      await db.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [id, new Date(at).toISOString()]);
    },
  };
}
