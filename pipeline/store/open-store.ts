import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Env } from '../../schemas/env.js';
import type { Store } from '../../schemas/ports/store.js';
import { openPgliteStore } from './pglite-store.js';
import { openPostgresStore } from './postgres-store.js';

/** The embedded database's folder inside NEXURAL_DATA_DIR. */
export const pgliteDataDir = (env: Pick<Env, 'NEXURAL_DATA_DIR'>): string =>
  join(env.NEXURAL_DATA_DIR, 'pglite');

/** DATABASE_URL set → TimescaleDB/PostgreSQL; unset → PGlite persisted in NEXURAL_DATA_DIR/pglite. */
export async function openStore(env: Pick<Env, 'DATABASE_URL' | 'NEXURAL_DATA_DIR'>): Promise<Store> {
  if (env.DATABASE_URL !== undefined) return openPostgresStore({ connectionString: env.DATABASE_URL });
  const dataDir = pgliteDataDir(env);
  await mkdir(dataDir, { recursive: true });
  return openPgliteStore({ dataDir });
}
