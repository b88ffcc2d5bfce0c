import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import type { Store } from '../../schemas/ports/store.js';
import { hashApiKey, mintApiKey } from '../auth/api-keys.js';
import { sqlAccountRepository } from './sql-accounts.js';
import { pgliteSqlClient } from './sql-client.js';

describe('sqlAccountRepository on PGlite', () => {
  let pglite: PGlite;
  let store: Store;
  beforeAll(async () => {
    pglite = await PGlite.create();
    store = await openPgliteStore({ db: pglite });
    await store.migrate();
  }, 60_000);
  afterAll(async () => {
    await store.close();
  });

  it('stores only the hash, finds an active key by it, and forgets it once revoked', async () => {
    const accounts = sqlAccountRepository(pgliteSqlClient(pglite));
    await accounts.ensureUser({ id: 'alice', email: 'Alice@Example.com' });
    const { key, row } = mintApiKey('alice', 'laptop', ['read']);
    const stored = await accounts.insertApiKey(row);
    expect(stored).toMatchObject({
      id: row.id,
      owner: 'alice',
      prefix: key.slice(0, 12),
      scopes: ['read'],
      revokedAt: null,
    });
    const { rows } = await pglite.query<{ key_hash: string }>('SELECT key_hash FROM api_keys');
    expect(rows).toEqual([{ key_hash: hashApiKey(key) }]);
    expect(JSON.stringify(rows)).not.toContain(key);
    expect((await accounts.findActiveKeyByHash(hashApiKey(key)))?.id).toBe(row.id);
    expect(await accounts.revokeApiKey('bob', row.id)).toBe(false);
    expect(await accounts.revokeApiKey('alice', row.id)).toBe(true);
    expect(await accounts.findActiveKeyByHash(hashApiKey(key))).toBeNull();
    expect((await accounts.getUser('alice'))?.email).toBe('alice@example.com');
  });

  it('runs owner statements as nexural_app_user inside their transaction only', async () => {
    const accounts = sqlAccountRepository(pgliteSqlClient(pglite));
    await accounts.ensureUser({ id: 'bob' });
    await accounts.insertApiKey(mintApiKey('bob', '', ['read', 'write']).row);
    expect((await accounts.listApiKeys('bob')).map((key) => key.owner)).toEqual(['bob']);
    const { rows } = await pglite.query<{ user: string; setting: string | null }>(
      `SELECT current_user AS user, current_setting('nexural.user_id', true) AS setting`,
    );
    expect(rows[0]?.user).toBe('postgres');
    expect(rows[0]?.setting ?? '').toBe('');
  });

  it('refuses a key for a user that does not exist with NXR_NOT_FOUND', async () => {
    const accounts = sqlAccountRepository(pgliteSqlClient(pglite));
    await expect(accounts.insertApiKey(mintApiKey('nobody', '', ['read']).row)).rejects.toMatchObject({
      code: 'NXR_NOT_FOUND',
    });
  });
});
