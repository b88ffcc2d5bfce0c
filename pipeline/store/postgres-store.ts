import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Store } from '../../schemas/ports/store.js';
import { openPgDatabase } from './pg-database.js';
import { createSqlStore, type TableWriter } from './sql-store.js';
import { copyChunks, stagingTableDdl, stagingTableName, unnestSource } from './staging.js';
import { dedupeRows, type TableWrite, upsertStatement } from './table-writes.js';

/**
 * How rows reach the tables (bench/store.ts measures both):
 * - `copy`: an optimistic COPY straight into the table inside a savepoint, as fast as a raw COPY; if a key
 *   exists (a replay, a bar revision, a key twice in the batch) the savepoint is rolled back and the batch,
 *   one row per key, goes through COPY into a temporary staging table + INSERT … ON CONFLICT. A table whose
 *   optimistic COPY met existing keys skips the optimism for the next 1, 2, 4 … 64 batches, so
 *   revision-heavy tables do not pay for failed COPYs.
 * - `unnest`: INSERT … SELECT FROM unnest($1::text[], …) ON CONFLICT, one array parameter per column.
 */
export type PostgresWriteMethod = 'copy' | 'unnest';

export interface PostgresStoreOptions {
  readonly connectionString: string;
  /** PostgreSQL schema of the tables (created if missing); default `public`. Tests use one of their own. */
  readonly schema?: string;
  readonly writeMethod?: PostgresWriteMethod;
  readonly maxConnections?: number;
  readonly migrationsFolder?: string;
}

const uniqueViolation = '23505';

/** Per table: whether to try the optimistic COPY, backing off exponentially after conflicts. */
class OptimismBackoff {
  private readonly state = new Map<string, { skip: number; penalty: number }>();

  shouldTry(table: string): boolean {
    const state = this.state.get(table);
    if (!state || state.skip === 0) return true;
    state.skip -= 1;
    return false;
  }

  conflicted(table: string): void {
    const penalty = Math.min(2 * (this.state.get(table)?.penalty ?? 0) || 1, 64);
    this.state.set(table, { skip: penalty, penalty });
  }

  succeeded(table: string): void {
    this.state.delete(table);
  }
}

async function copyInto<Row>(
  client: pg.PoolClient,
  table: string,
  write: TableWrite<Row>,
  rows: readonly Row[],
) {
  const columns = write.columns.map((column) => column.name).join(', ');
  const stream = client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`));
  await pipeline(Readable.from(copyChunks(write, rows)), stream);
  return stream.rowCount;
}

async function copyRows<Row>(
  client: pg.PoolClient,
  write: TableWrite<Row>,
  rows: readonly Row[],
  backoff: OptimismBackoff,
): Promise<number> {
  if (backoff.shouldTry(write.table)) {
    await client.query('SAVEPOINT nexural_optimistic_copy');
    try {
      const copied = await copyInto(client, write.table, write, rows);
      await client.query('RELEASE SAVEPOINT nexural_optimistic_copy');
      backoff.succeeded(write.table);
      return copied;
    } catch (error) {
      if ((error as { code?: unknown }).code !== uniqueViolation) throw error;
      await client.query('ROLLBACK TO SAVEPOINT nexural_optimistic_copy');
      backoff.conflicted(write.table);
    }
  }
  const staging = stagingTableName(write);
  // Always issued: a staging table created in a transaction that rolled back is gone again.
  await client.query(stagingTableDdl(write));
  await copyInto(client, staging, write, dedupeRows(write, rows));
  const result = await client.query(upsertStatement(write, staging));
  return result.rowCount ?? 0;
}

async function unnestRows<Row>(
  client: pg.PoolClient,
  write: TableWrite<Row>,
  rows: readonly Row[],
): Promise<number> {
  const { source, params } = unnestSource(write, dedupeRows(write, rows));
  const result = await client.query(upsertStatement(write, source), params);
  return result.rowCount ?? 0;
}

/** The production store: TimescaleDB (or plain PostgreSQL) through a pg pool. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const db = await openPgDatabase({
    connectionString: options.connectionString,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
  const backoff = new OptimismBackoff();
  const method = options.writeMethod ?? 'copy';
  return createSqlStore({
    adapter: 'postgres',
    db,
    ...(options.migrationsFolder === undefined ? {} : { migrationsFolder: options.migrationsFolder }),
    inWriteTransaction: (work) =>
      db.clientTransaction((client) => {
        const writer: TableWriter = {
          rows: (write, rows) =>
            method === 'copy' ? copyRows(client, write, rows, backoff) : unnestRows(client, write, rows),
          query: (text, params) => client.query(text, [...params]),
        };
        return work(writer);
      }),
  });
}
