import type { AlertEvent } from '../alert-event.js';
import type { AlertRule } from '../alert-rule.js';
import type { Bar } from '../bar.js';
import type { IndicatorValue } from '../indicator-value.js';
import type { QuoteTick, TradeTick } from '../tick.js';
import type { ResearchRepository } from './research.js';

/**
 * The store port: history for the API and consumers, written by the sinks. Two adapters (TimescaleDB/PostgreSQL
 * via pg, embedded PGlite) pass one contract suite (pipeline/store/store.contract.ts).
 *
 * Writes are idempotent upserts keyed by each record's natural key: writing the same records again changes
 * nothing; a bar is replaced only by a newer revision (or its final version at the same revision); an indicator
 * value on a final bar is never replaced by one on a forming bar; ticks, quotes and alert events are written once.
 */

/** Records written in one durable step (one transaction): all of them or none. */
export interface StoreWriteBatch {
  readonly bars?: readonly Bar[];
  readonly trades?: readonly TradeTick[];
  readonly quotes?: readonly QuoteTick[];
  readonly indicatorValues?: readonly IndicatorValue[];
  readonly alertEvents?: readonly AlertEvent[];
}

export type StoreRecordKind = keyof StoreWriteBatch;

/** Rows inserted or changed per kind; records that changed nothing (replays, older revisions) count 0. */
export type StoreWriteResult = { readonly [Kind in StoreRecordKind]: number };

export interface StoreWriter {
  /** Resolves once the whole batch is durable (committed). */
  write(batch: StoreWriteBatch): Promise<StoreWriteResult>;
}

export interface SymbolRef {
  readonly venue: string;
  readonly symbol: string;
}

export interface SeriesKey extends SymbolRef {
  readonly interval: string;
}

/** A time range [from, to) in ms since epoch, read in pages of at most `limit` items (default 1,000, max 10,000). */
export interface RangeQuery {
  readonly from: number;
  readonly to: number;
  readonly limit?: number;
  /** `nextCursor` of the previous page; absent for the first page */
  readonly cursor?: string | null;
  /** asc (default) = oldest first; desc = newest first (a cursor continues in the order it was made in) */
  readonly order?: 'asc' | 'desc';
}

export interface Page<Item> {
  readonly items: readonly Item[];
  /** pass as `cursor` to read the next page; null when this page is the last */
  readonly nextCursor: string | null;
}

export interface BarQuery extends SeriesKey, RangeQuery {
  /** only bars that can no longer change */
  readonly finalOnly?: boolean;
}

export interface IndicatorValueQuery extends SeriesKey, RangeQuery {
  /** one indicator (e.g. `rsi(14)`); absent = every indicator on the series */
  readonly spec?: string;
}

export interface TradeQuery extends SymbolRef, RangeQuery {}

/** Alert events of an owner, of a symbol, or of an owner on a symbol (give `owner` or `venue` + `symbol`). */
export interface AlertEventQuery extends RangeQuery {
  readonly owner?: string;
  readonly venue?: string;
  readonly symbol?: string;
}

export interface StoreReader {
  listSymbols(): Promise<readonly SymbolRef[]>;
  /** The bar with the latest open time (forming or final), or null if the series has none. */
  latestBar(series: SeriesKey): Promise<Bar | null>;
  /** Bars by open time, ascending (or descending with `order: 'desc'`). */
  bars(query: BarQuery): Promise<Page<Bar>>;
  /** Indicator values by bar open time then spec, ascending (or descending with `order: 'desc'`). */
  indicatorValues(query: IndicatorValueQuery): Promise<Page<IndicatorValue>>;
  /** Alert events by time then id, ascending (or descending with `order: 'desc'`). */
  alertEvents(query: AlertEventQuery): Promise<Page<AlertEvent>>;
  /** Stored trades of a symbol by event time then trade id, ascending. */
  trades(query: TradeQuery): Promise<Page<TradeTick>>;
}

/** Alert rules by owner: every call names the owner, so one user can never read or change another's rules. */
export interface AlertRuleRepository {
  /** Creates or replaces the rule; refuses (NXR_RULE_INVALID) a rule id that another owner holds. */
  putAlertRule(rule: AlertRule): Promise<void>;
  getAlertRule(owner: string, id: string): Promise<AlertRule | null>;
  listAlertRules(owner: string): Promise<readonly AlertRule[]>;
  /** true if the rule existed */
  deleteAlertRule(owner: string, id: string): Promise<boolean>;
}

/** What the database can do, detected before migrating; decides which migration sections run. */
export interface DatabaseCapabilities {
  readonly serverVersion: string;
  /** null: plain PostgreSQL or PGlite */
  readonly timescaledb: { readonly version: string; readonly license: 'timescale' | 'apache' } | null;
}

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  /** sections skipped for lack of a capability, e.g. `timescaledb-tsl (line 8)` */
  readonly skippedSections: readonly string[];
}

export interface MigrationReport {
  readonly capabilities: DatabaseCapabilities;
  /** migrations applied by this call, in order */
  readonly applied: readonly AppliedMigration[];
  /** migrations that were already applied (checksums verified) */
  readonly alreadyApplied: number;
}

export type StoreHealth =
  | { readonly ok: true; readonly adapter: StoreAdapterKind; readonly latencyMs: number }
  | { readonly ok: false; readonly adapter: StoreAdapterKind; readonly error: string };

export interface RetentionResult {
  readonly table: string;
  /** rows older than this were removed (whole chunks on TimescaleDB) */
  readonly cutoff: number;
  /** chunks dropped on TimescaleDB, rows deleted elsewhere */
  readonly removed: number;
  readonly method: string;
}

export type StoreAdapterKind = 'postgres' | 'pglite';

/** The research workspace (watchlists, notes, ideas) is part of the store: see ./research.ts. */
export interface Store extends StoreWriter, StoreReader, AlertRuleRepository, ResearchRepository {
  readonly adapter: StoreAdapterKind;
  /** Applies pending migrations; refuses (NXR_MIGRATION_MISMATCH) if an applied migration has changed. */
  migrate(): Promise<MigrationReport>;
  health(): Promise<StoreHealth>;
  /** Removes market data older than the retention policies (see sql/0004). */
  applyRetention(): Promise<readonly RetentionResult[]>;
  /** Waits for in-flight statements, then closes connections. */
  close(): Promise<void>;
}
