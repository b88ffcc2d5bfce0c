import { NexuralError } from '../../schemas/errors.js';
import type { CredentialRepository, SignInSession } from '../../schemas/ports/credentials.js';
import type { SqlClient } from './sql-client.js';

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const iso = (ms: number) => new Date(ms).toISOString();

interface SessionRow {
  id: string;
  owner: string;
  created_ms: number;
  expires_ms: number;
}

const toSession = (row: SessionRow): SignInSession => ({
  id: row.id,
  owner: row.owner,
  createdAt: Number(row.created_ms),
  expiresAt: Number(row.expires_ms),
});

/** Passwords and sessions (sql/0015) in the store's database. */
export function sqlCredentialRepository(db: SqlClient): CredentialRepository {
  return {
    async createUserWithPassword(user) {
      try {
        await db.transaction(async (tx) => {
          await tx.query('INSERT INTO users (id, email, display_name) VALUES ($1, $2, $3)', [
            user.id,
            user.email.toLowerCase(),
            user.displayName,
          ]);
          await tx.query('INSERT INTO user_passwords (owner, password_hash) VALUES ($1, $2)', [
            user.id,
            user.passwordHash,
          ]);
        });
      } catch (error) {
        if ((error as { code?: unknown }).code !== '23505') throw error;
        throw new NexuralError('NXR_CONFLICT', `an account with e-mail "${user.email}" already exists`, {
          path: ['email'],
        });
      }
    },

    async findByEmail(email) {
      const { rows } = await db.query<{ owner: string; password_hash: string | null }>(
        `SELECT u.id AS owner, p.password_hash FROM users u LEFT JOIN user_passwords p ON p.owner = u.id
         WHERE u.email = $1`,
        [email.toLowerCase()],
      );
      const row = rows[0];
      return row ? { owner: row.owner, passwordHash: row.password_hash } : null;
    },

    async passwordHashOf(owner) {
      const { rows } = await db.query<{ password_hash: string }>(
        'SELECT password_hash FROM user_passwords WHERE owner = $1',
        [owner],
      );
      return rows[0]?.password_hash ?? null;
    },

    setPassword: (owner, passwordHash, at) =>
      db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO user_passwords (owner, password_hash, updated_at) VALUES ($1, $2, $3)
           ON CONFLICT (owner) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = EXCLUDED.updated_at`,
          [owner, passwordHash, iso(at)],
        );
        await tx.query('UPDATE user_sessions SET revoked_at = $2 WHERE owner = $1 AND revoked_at IS NULL', [
          owner,
          iso(at),
        ]);
      }),

    async createSession(session) {
      await db.query(
        'INSERT INTO user_sessions (id, owner, created_at, expires_at) VALUES ($1, $2, $3, $4)',
        [session.id, session.owner, iso(session.createdAt), iso(session.expiresAt)],
      );
    },

    async findActiveSession(id, at) {
      const { rows } = await db.query<SessionRow>(
        `SELECT id, owner, ${epochMs('created_at')} AS created_ms, ${epochMs('expires_at')} AS expires_ms
         FROM user_sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2`,
        [id, iso(at)],
      );
      return rows[0] ? toSession(rows[0]) : null;
    },

    async revokeSession(owner, id, at) {
      const { rows } = await db.query(
        `UPDATE user_sessions SET revoked_at = $3 WHERE owner = $1 AND id = $2 AND revoked_at IS NULL RETURNING id`,
        [owner, id, iso(at)],
      );
      return rows.length > 0;
    },
  };
}
