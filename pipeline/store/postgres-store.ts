import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Store } from '../../schemas/ports/store.js';
import { openPgDatabase } from './pg-database.js';
import { createSqlStore, type TableWriter } from './sql-store.js';
import { copyText, stagingTableDdl, stagingTableName, unnestSource } from './staging.js';
import type { TableWrite } from './table-writes.js';

/**
 * How rows reach the tables: `copy` streams them (COPY text format) into a per-connection temporary staging
 * table and upserts from there; `unnest` sends one array parameter per column. bench/store.ts measures both.
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

async function copyRows<Row>(
  client: pg.PoolClient,
  write: TableWrite<Row>,
  rows: readonly Row[],
): Promise<number> {
  const staging = stagingTableName(write);
  // Always issued: a staging table created in a transaction that rolled back is gone again.
  await client.query(stagingTableDdl(write));
  const columns = write.columns.map((column) => column.name).join(', ');
  await pipeline(
    Readable.from([copyText(write, rows)]),
    client.query(copyFrom(`COPY ${staging} (${columns}) FROM STDIN`)),
  );
  const result = await client.query(write.upsert.replace('{source}', staging));
  return result.rowCount ?? 0;
}

async function unnestRows<Row>(
  client: pg.PoolClient,
  write: TableWrite<Row>,
  rows: readonly Row[],
): Promise<number> {
  const { source, params } = unnestSource(write, rows);
  const result = await client.query(write.upsert.replace('{source}', source), params);
  return result.rowCount ?? 0;
}

/** The production store: TimescaleDB (or plain PostgreSQL) through a pg pool. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const db = await openPgDatabase({
    connectionString: options.connectionString,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
  const writeRows = (options.writeMethod ?? 'copy') === 'copy' ? copyRows : unnestRows;
  return createSqlStore({
    adapter: 'postgres',
    db,
    ...(options.migrationsFolder === undefined ? {} : { migrationsFolder: options.migrationsFolder }),
    inWriteTransaction: (work) =>
      db.clientTransaction((client) => {
        const writer: TableWriter = {
          rows: (write, rows) => writeRows(client, write, rows),
          query: (text, params) => client.query(text, [...params]),
        };
        return work(writer);
      }),
  });
}
