import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** The little of a SQL connection the API's own queries need; rows come back as plain objects. */
export interface SqlRows {
  query<Row extends object>(text: string, params?: readonly unknown[]): Promise<{ readonly rows: Row[] }>;
}

export interface SqlClient extends SqlRows {
  /** Runs `work` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
  transaction<Result>(work: (tx: SqlRows) => Promise<Result>): Promise<Result>;
  close(): Promise<void>;
}

type PgliteQueryable = Pick<PGlite, 'query'>;

const pgliteRows = (db: PgliteQueryable): SqlRows => ({
  async query<Row extends object>(text: string, params: readonly unknown[] = []) {
    return { rows: (await db.query<Row>(text, [...params])).rows };
  },
});

/** Over the PGlite instance the embedded store uses (one database, so one instance, shared). */
export function pgliteSqlClient(db: PGlite, options: { readonly closes?: boolean } = {}): SqlClient {
  return {
    ...pgliteRows(db),
    transaction: (work) => db.transaction((tx) => work(pgliteRows(tx))),
    close: async () => {
      if (options.closes) await db.close();
    },
  };
}

export interface PgSqlClientOptions {
  readonly connectionString: string;
  /** PostgreSQL schema of the tables (the store's `schema` option); default `public` */
  readonly schema?: string;
  readonly maxConnections?: number;
}

/** A small pool of its own next to the store's, on the same database and schema. */
export function pgSqlClient(options: PgSqlClientOptions): SqlClient {
  const schema = (options.schema ?? 'public').replaceAll('"', '""');
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 4,
    options: `-c search_path="${schema}",public`,
  });
  // an idle connection the server dropped (a restart) errors on the pool: without a listener that kills
  // the process; the next query opens a new connection or fails with the reason
  pool.on('error', () => {});
  return {
    async query<Row extends object>(text: string, params: readonly unknown[] = []) {
      return { rows: (await pool.query<Row & pg.QueryResultRow>(text, [...params])).rows };
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          async query<Row extends object>(text: string, params: readonly unknown[] = []) {
            return { rows: (await client.query<Row & pg.QueryResultRow>(text, [...params])).rows };
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
