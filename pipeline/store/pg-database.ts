import pg from 'pg';
import { NexuralError } from '../../schemas/errors.js';
import { quoteIdentifier, type SqlDatabase, type SqlSession } from './sql-database.js';

export interface PgDatabase extends SqlDatabase {
  readonly pool: pg.Pool;
  /** Like `transaction`, handing over the raw client (COPY streams need it). */
  clientTransaction<Result>(work: (client: pg.PoolClient) => Promise<Result>): Promise<Result>;
}

// SQLSTATE classes and socket errors after which the same statement can succeed later.
const retryableStates = /^(08|53|57P0[1-3]|40001|40P01)/;
const retryableSocketErrors = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/** Turns connection loss, overload and serialization failures into a retryable NexuralError. */
export function classifyPgError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const retryable =
    typeof code === 'string' && (retryableStates.test(code) || retryableSocketErrors.has(code));
  const lostConnection =
    error instanceof Error && /Connection terminated|connection.*closed/i.test(error.message);
  if (!retryable && !lostConnection) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new NexuralError(
    'NXR_SERVICE_UNAVAILABLE',
    `database: ${message}`,
    { sqlState: code },
    { cause: error },
  );
}

/** A SqlSession over a pool (any connection) or one client (session state such as SET ROLE persists). */
export function pgSession(client: pg.Pool | pg.PoolClient | pg.Client): SqlSession {
  return {
    async query<Row extends object>(text: string, params: readonly unknown[] = []) {
      try {
        const result = await client.query<Row & pg.QueryResultRow>(text, [...params]);
        return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
      } catch (error) {
        throw classifyPgError(error);
      }
    },
    async exec(script: string) {
      try {
        await client.query(script);
      } catch (error) {
        throw classifyPgError(error);
      }
    },
  };
}

export interface PgDatabaseOptions {
  readonly connectionString: string;
  /** PostgreSQL schema every connection works in (created if missing); default `public` */
  readonly schema?: string;
  readonly maxConnections?: number;
}

/** A pool whose connections all use `schema` first (then public, where TimescaleDB's functions live). */
export async function openPgDatabase(options: PgDatabaseOptions): Promise<PgDatabase> {
  const schema = options.schema ?? 'public';
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 4,
    options: `-c search_path=${quoteIdentifier(schema)},public`,
  });
  // An idle client losing its server would otherwise crash the process with an unhandled 'error' event.
  pool.on('error', () => {});
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  } catch (error) {
    await pool.end();
    const classified = classifyPgError(error);
    if (classified instanceof NexuralError) throw classified;
    const message = error instanceof Error ? error.message : String(error);
    throw new NexuralError(
      'NXR_SERVICE_UNAVAILABLE',
      `cannot open the database: ${message}`,
      {},
      { cause: error },
    );
  }

  const clientTransaction = async <Result>(work: (client: pg.PoolClient) => Promise<Result>) => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw classifyPgError(error);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      // A failed ROLLBACK means the connection is broken: destroy it rather than return it to the pool.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError),
      );
      throw classifyPgError(error);
    }
  };

  return {
    ...pgSession(pool),
    pool,
    clientTransaction,
    transaction: (work) => clientTransaction((client) => work(pgSession(client))),
    close: () => pool.end(),
  };
}
