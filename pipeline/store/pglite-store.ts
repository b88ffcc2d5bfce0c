import { PGlite } from '@electric-sql/pglite';
import type { Store } from '../../schemas/ports/store.js';
import { pgliteDatabase } from './pglite-database.js';
import { createSqlStore } from './sql-store.js';
import { unnestSource } from './staging.js';
import { dedupeRows, upsertStatement } from './table-writes.js';

export interface PgliteStoreOptions {
  /** folder the database persists to; absent = in memory (tests) */
  readonly dataDir?: string;
  /** an existing instance instead (e.g. one shared with `nexural sql-server`); closed with the store */
  readonly db?: PGlite;
  readonly migrationsFolder?: string;
}

/**
 * The embedded store: PostgreSQL in WebAssembly, persisted to a folder, same migrations (TimescaleDB
 * sections skipped) and same queries as the production store. Rows are written with UNNEST upserts (PGlite
 * has no COPY FROM STDIN stream).
 */
export async function openPgliteStore(options: PgliteStoreOptions = {}): Promise<Store> {
  const pglite =
    options.db ?? (await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir }));
  const db = pgliteDatabase(pglite);
  return createSqlStore({
    adapter: 'pglite',
    db,
    ...(options.migrationsFolder === undefined ? {} : { migrationsFolder: options.migrationsFolder }),
    inWriteTransaction: (work) =>
      db.transaction((session) =>
        work({
          async rows(write, rows) {
            const { source, params } = unnestSource(write, dedupeRows(write, rows));
            return (await session.query(upsertStatement(write, source), params)).rowCount;
          },
          query: (text, params) => session.query(text, params),
        }),
      ),
  });
}
