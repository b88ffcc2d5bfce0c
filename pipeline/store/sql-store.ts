import type {
  MigrationReport,
  RetentionResult,
  Store,
  StoreAdapterKind,
  StoreHealth,
  StoreWriteBatch,
  StoreWriteResult,
} from '../../schemas/ports/store.js';
import { alertRuleRepository } from './alert-rule-queries.js';
import { loadMigrations } from './migration-files.js';
import { migrate } from './migrator.js';
import { storeReader } from './read-queries.js';
import type { SqlDatabase } from './sql-database.js';
import { sqlResearchRepository } from './sql-research.js';
import {
  alertEventWrite,
  barWrite,
  indicatorValueWrite,
  quoteWrite,
  registerSymbols,
  symbolsOf,
  type TableWrite,
  tradeWrite,
} from './table-writes.js';

/**
 * Writes rows of one table inside the adapter's transaction; returns rows inserted or changed. Rows may
 * repeat a key: an upsert must `dedupeRows` first (ON CONFLICT DO UPDATE cannot touch a row twice).
 */
export interface TableWriter {
  rows<Row>(write: TableWrite<Row>, rows: readonly Row[]): Promise<number>;
  query(text: string, params: readonly unknown[]): Promise<unknown>;
}

export interface SqlStoreParts {
  readonly adapter: StoreAdapterKind;
  readonly db: SqlDatabase;
  /** Runs `work` in one transaction with a writer bound to it (COPY or UNNEST, the adapter's choice). */
  readonly inWriteTransaction: <Result>(work: (writer: TableWriter) => Promise<Result>) => Promise<Result>;
  /** folder of NNNN_*.sql files; default: the repository's sql/ */
  readonly migrationsFolder?: string;
  /** called after the database is closed */
  readonly onClose?: () => Promise<void>;
}

/** Writes a batch: every kind in one transaction, then the symbols it mentions. */
async function writeBatch(writer: TableWriter, batch: StoreWriteBatch): Promise<StoreWriteResult> {
  const write = async <Row>(table: TableWrite<Row>, rows: readonly Row[] | undefined): Promise<number> =>
    rows && rows.length > 0 ? writer.rows(table, rows) : 0;
  const result: StoreWriteResult = {
    bars: await write(barWrite, batch.bars),
    trades: await write(tradeWrite, batch.trades),
    quotes: await write(quoteWrite, batch.quotes),
    indicatorValues: await write(indicatorValueWrite, batch.indicatorValues),
    alertEvents: await write(alertEventWrite, batch.alertEvents),
  };
  const venues: string[] = [];
  const symbols: string[] = [];
  const collect = <Row>(table: TableWrite<Row>, rows: readonly Row[] | undefined) => {
    const found = symbolsOf(table, rows ?? []);
    venues.push(...found.venues);
    symbols.push(...found.symbols);
  };
  collect(barWrite, batch.bars);
  collect(tradeWrite, batch.trades);
  collect(quoteWrite, batch.quotes);
  if (venues.length > 0) await writer.query(registerSymbols, [venues, symbols]);
  return result;
}

const isEmpty = (batch: StoreWriteBatch): boolean =>
  !batch.bars?.length &&
  !batch.trades?.length &&
  !batch.quotes?.length &&
  !batch.indicatorValues?.length &&
  !batch.alertEvents?.length;

const nothingWritten: StoreWriteResult = {
  bars: 0,
  trades: 0,
  quotes: 0,
  indicatorValues: 0,
  alertEvents: 0,
};

/** The Store port over any SqlDatabase: the adapters only choose how rows reach the tables. */
export function createSqlStore(parts: SqlStoreParts): Store {
  const { db } = parts;
  return {
    adapter: parts.adapter,
    ...storeReader(db),
    ...alertRuleRepository(db),
    ...sqlResearchRepository(db),

    write: (batch) =>
      isEmpty(batch)
        ? Promise.resolve(nothingWritten)
        : parts.inWriteTransaction((writer) => writeBatch(writer, batch)),

    async migrate(): Promise<MigrationReport> {
      return migrate(db, await loadMigrations(parts.migrationsFolder));
    },

    async health(): Promise<StoreHealth> {
      const started = performance.now();
      try {
        await db.query('SELECT 1');
        return { ok: true, adapter: parts.adapter, latencyMs: performance.now() - started };
      } catch (error) {
        return {
          ok: false,
          adapter: parts.adapter,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    },

    async applyRetention(): Promise<readonly RetentionResult[]> {
      const { rows } = await db.query<{
        relation: string;
        cutoff_ms: number;
        removed: number;
        method: string;
      }>(
        `SELECT relation, (extract(epoch FROM cutoff) * 1000)::float8 AS cutoff_ms, removed, method
         FROM nexural_apply_retention()`,
      );
      return rows.map((row) => ({
        table: row.relation,
        cutoff: Number(row.cutoff_ms),
        removed: Number(row.removed),
        method: row.method,
      }));
    },

    async close(): Promise<void> {
      await db.close();
      await parts.onClose?.();
    },
  };
}
