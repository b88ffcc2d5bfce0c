import type { AlertEvent } from '../../schemas/alert-event.js';
import type { Bar } from '../../schemas/bar.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import type { StoreRecordKind } from '../../schemas/ports/store.js';
import type { QuoteTick, TradeTick } from '../../schemas/tick.js';

/**
 * How each record kind is written: its columns (named as in the table, each value in a form COPY text and
 * array parameters both carry: timestamps as ISO text, JSON as text), and the ON CONFLICT rule that makes
 * writes idempotent. Both adapters use these, so PGlite and PostgreSQL apply exactly the same upserts.
 */
export type StagedType = 'text' | 'int8' | 'int4' | 'float8' | 'bool' | 'timestamptz' | 'jsonb';
export type StagedValue = string | number | boolean | null;

export interface StagedColumn<Row> {
  /** the table's column */
  readonly name: string;
  readonly type: StagedType;
  readonly value: (row: Row) => StagedValue;
  /** a text value that cannot hold a tab, newline or backslash (its schema forbids them): COPY skips escaping */
  readonly plain?: true;
  /** `value` may be null (SQL NULL); other columns never are */
  readonly nullable?: true;
}

export interface TableWrite<Row> {
  readonly kind: StoreRecordKind;
  readonly table: string;
  readonly columns: readonly StagedColumn<Row>[];
  /** what a row whose key exists does: `ON CONFLICT DO NOTHING` or `ON CONFLICT (key) DO UPDATE … WHERE …` */
  readonly onConflict: string;
  /**
   * Rows with the same key inside one statement would make ON CONFLICT DO UPDATE fail ("cannot affect row a
   * second time"): the writer keeps, per key, the row the conflict rule would have kept.
   */
  readonly dedupe?: { key: (row: Row) => string; replaces: (candidate: Row, kept: Row) => boolean };
  /** venue/symbol of each row, registered in `symbols` */
  readonly symbolOf?: (row: Row) => { venue: string; symbol: string };
}

/** `INSERT INTO table AS stored (columns) SELECT columns FROM source ON CONFLICT …` */
export function upsertStatement<Row>(write: TableWrite<Row>, source: string): string {
  const names = write.columns.map((column) => column.name).join(', ');
  return `INSERT INTO ${write.table} AS stored (${names}) SELECT ${names} FROM ${source} ${write.onConflict}`;
}

// Formatting a Date per value dominates the client's cost of a COPY: the day is formatted once and the
// time of day composed by arithmetic.
let cachedDay = Number.NaN;
let cachedDayText = '';
const twoDigits = (value: number): string => (value < 10 ? `0${value}` : String(value));
function secondText(second: number): string {
  const day = Math.floor(second / 86_400);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = new Date(day * 86_400_000).toISOString().slice(0, 11);
  }
  const inDay = second - day * 86_400;
  const hours = Math.floor(inDay / 3_600);
  const minutes = Math.floor(inDay / 60) % 60;
  return `${cachedDayText}${twoDigits(hours)}:${twoDigits(minutes)}:${twoDigits(inDay % 60)}`;
}

/** µs since epoch as timestamptz text, exact (a JavaScript Date holds only ms). */
export function usText(us: number): string {
  const micros = ((us % 1_000_000) + 1_000_000) % 1_000_000;
  return `${secondText((us - micros) / 1_000_000)}.${String(micros).padStart(6, '0')}Z`;
}

/** ms since epoch as timestamptz text, exact. */
export function msText(ms: number): string {
  const millis = ((ms % 1000) + 1000) % 1000;
  return `${secondText((ms - millis) / 1000)}.${String(millis).padStart(3, '0')}Z`;
}

/** A bar replaces the stored one only if it is a newer revision, or the same revision turned final. */
export const barReplaces = (candidate: Bar, kept: Bar): boolean =>
  candidate.revision > kept.revision ||
  (candidate.revision === kept.revision && candidate.final && !kept.final);

export const barWrite: TableWrite<Bar> = {
  kind: 'bars',
  table: 'bars',
  columns: [
    { name: 'venue', type: 'text', value: (bar) => bar.venue, plain: true },
    { name: 'symbol', type: 'text', value: (bar) => bar.symbol, plain: true },
    { name: 'bar_interval', type: 'text', value: (bar) => bar.interval, plain: true },
    { name: 'open_time', type: 'timestamptz', value: (bar) => msText(bar.openTime) },
    { name: 'close_time', type: 'timestamptz', value: (bar) => msText(bar.closeTime) },
    { name: 'open', type: 'float8', value: (bar) => bar.open },
    { name: 'high', type: 'float8', value: (bar) => bar.high },
    { name: 'low', type: 'float8', value: (bar) => bar.low },
    { name: 'close', type: 'float8', value: (bar) => bar.close },
    { name: 'volume', type: 'float8', value: (bar) => bar.volume },
    { name: 'quote_volume', type: 'float8', value: (bar) => bar.quoteVolume },
    { name: 'trades', type: 'int8', value: (bar) => bar.trades },
    { name: 'taker_buy_volume', type: 'float8', value: (bar) => bar.takerBuyVolume },
    { name: 'final', type: 'bool', value: (bar) => bar.final },
    { name: 'revision', type: 'int4', value: (bar) => bar.revision },
    { name: 'seq', type: 'int4', value: (bar) => bar.seq ?? 0 },
    {
      name: 'jumped_from',
      type: 'timestamptz',
      value: (bar) => (bar.jumpedFrom === undefined ? null : msText(bar.jumpedFrom)),
      nullable: true,
    },
  ],
  onConflict: `ON CONFLICT (venue, symbol, bar_interval, open_time, seq) DO UPDATE SET
      close_time = EXCLUDED.close_time, open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,
      close = EXCLUDED.close, volume = EXCLUDED.volume, quote_volume = EXCLUDED.quote_volume,
      trades = EXCLUDED.trades, taker_buy_volume = EXCLUDED.taker_buy_volume, final = EXCLUDED.final,
      revision = EXCLUDED.revision, jumped_from = EXCLUDED.jumped_from
    WHERE EXCLUDED.revision > stored.revision
      OR (EXCLUDED.revision = stored.revision AND EXCLUDED.final AND NOT stored.final)`,
  dedupe: {
    key: (bar) =>
      `${bar.venue}\u0000${bar.symbol}\u0000${bar.interval}\u0000${bar.openTime}\u0000${bar.seq ?? 0}`,
    replaces: barReplaces,
  },
  symbolOf: (bar) => bar,
};

export const tradeWrite: TableWrite<TradeTick> = {
  kind: 'trades',
  table: 'trade_ticks',
  columns: [
    { name: 'venue', type: 'text', value: (tick) => tick.venue, plain: true },
    { name: 'symbol', type: 'text', value: (tick) => tick.symbol, plain: true },
    { name: 'time', type: 'timestamptz', value: (tick) => usText(tick.timeUs) },
    { name: 'trade_id', type: 'text', value: (tick) => tick.tradeId },
    { name: 'price', type: 'float8', value: (tick) => tick.price },
    { name: 'size', type: 'float8', value: (tick) => tick.size },
    { name: 'aggressor', type: 'text', value: (tick) => tick.aggressor, plain: true },
  ],
  onConflict: 'ON CONFLICT DO NOTHING',
  symbolOf: (tick) => tick,
};

export const quoteWrite: TableWrite<QuoteTick> = {
  kind: 'quotes',
  table: 'quotes',
  columns: [
    { name: 'venue', type: 'text', value: (quote) => quote.venue, plain: true },
    { name: 'symbol', type: 'text', value: (quote) => quote.symbol, plain: true },
    { name: 'time', type: 'timestamptz', value: (quote) => usText(quote.timeUs) },
    { name: 'update_id', type: 'text', value: (quote) => quote.updateId ?? '' },
    { name: 'bid_price', type: 'float8', value: (quote) => quote.bidPrice },
    { name: 'bid_size', type: 'float8', value: (quote) => quote.bidSize },
    { name: 'ask_price', type: 'float8', value: (quote) => quote.askPrice },
    { name: 'ask_size', type: 'float8', value: (quote) => quote.askSize },
  ],
  onConflict: 'ON CONFLICT DO NOTHING',
  symbolOf: (quote) => quote,
};

export const indicatorValueWrite: TableWrite<IndicatorValue> = {
  kind: 'indicatorValues',
  table: 'indicator_values',
  columns: [
    { name: 'venue', type: 'text', value: (value) => value.venue, plain: true },
    { name: 'symbol', type: 'text', value: (value) => value.symbol, plain: true },
    { name: 'bar_interval', type: 'text', value: (value) => value.interval, plain: true },
    { name: 'spec', type: 'text', value: (value) => value.spec },
    { name: 'open_time', type: 'timestamptz', value: (value) => msText(value.openTime) },
    { name: 'outputs', type: 'jsonb', value: (value) => JSON.stringify(value.outputs) },
    { name: 'final', type: 'bool', value: (value) => value.final },
    { name: 'seq', type: 'int4', value: (value) => value.seq ?? 0 },
  ],
  // A value on a forming bar never replaces one on the final bar; identical values are not rewritten.
  onConflict: `ON CONFLICT (venue, symbol, bar_interval, spec, open_time, seq) DO UPDATE SET
      outputs = EXCLUDED.outputs, final = EXCLUDED.final
    WHERE (EXCLUDED.final OR NOT stored.final)
      AND (stored.outputs, stored.final) IS DISTINCT FROM (EXCLUDED.outputs, EXCLUDED.final)`,
  dedupe: {
    key: (value) =>
      `${value.venue}\u0000${value.symbol}\u0000${value.interval}\u0000${value.spec}\u0000${value.openTime}\u0000${value.seq ?? 0}`,
    replaces: (candidate, kept) => candidate.final || !kept.final,
  },
};

const commonAlertKeys = new Set([
  'kind',
  'id',
  'ruleId',
  'owner',
  'venue',
  'symbol',
  'interval',
  'time',
  'message',
]);

/** The kind-specific part of an alert event (why it fired or stopped), stored as jsonb. */
export function alertProvenance(event: AlertEvent): Record<string, unknown> {
  return Object.fromEntries(Object.entries(event).filter(([key]) => !commonAlertKeys.has(key)));
}

export const alertEventWrite: TableWrite<AlertEvent> = {
  kind: 'alertEvents',
  table: 'alert_events',
  columns: [
    { name: 'id', type: 'text', value: (event) => event.id },
    { name: 'time', type: 'timestamptz', value: (event) => msText(event.time) },
    { name: 'kind', type: 'text', value: (event) => event.kind, plain: true },
    { name: 'rule_id', type: 'text', value: (event) => event.ruleId, plain: true },
    { name: 'owner', type: 'text', value: (event) => event.owner },
    { name: 'venue', type: 'text', value: (event) => event.venue, plain: true },
    { name: 'symbol', type: 'text', value: (event) => event.symbol, plain: true },
    { name: 'bar_interval', type: 'text', value: (event) => event.interval, plain: true },
    { name: 'message', type: 'text', value: (event) => event.message },
    { name: 'provenance', type: 'jsonb', value: (event) => JSON.stringify(alertProvenance(event)) },
  ],
  onConflict: 'ON CONFLICT DO NOTHING',
};

/** Keeps one row per key, the one the table's conflict rule would leave stored, in first-seen order. */
export function dedupeRows<Row>(write: TableWrite<Row>, rows: readonly Row[]): readonly Row[] {
  const dedupe = write.dedupe;
  if (!dedupe || rows.length < 2) return rows;
  const kept = new Map<string, Row>();
  for (const row of rows) {
    const key = dedupe.key(row);
    const current = kept.get(key);
    if (current === undefined || dedupe.replaces(row, current)) kept.set(key, row);
  }
  return kept.size === rows.length ? rows : [...kept.values()];
}

/** Distinct venue/symbol pairs of a batch, for the symbols table (rows of a symbol mostly come together). */
export function symbolsOf<Row>(
  write: TableWrite<Row>,
  rows: readonly Row[],
): { venues: string[]; symbols: string[] } {
  const venues: string[] = [];
  const symbols: string[] = [];
  const symbolOf = write.symbolOf;
  if (!symbolOf) return { venues, symbols };
  const seen = new Map<string, Set<string>>();
  let lastVenue: string | undefined;
  let lastSymbol: string | undefined;
  for (const row of rows) {
    const { venue, symbol } = symbolOf(row);
    if (venue === lastVenue && symbol === lastSymbol) continue;
    lastVenue = venue;
    lastSymbol = symbol;
    let ofVenue = seen.get(venue);
    if (!ofVenue) {
      ofVenue = new Set();
      seen.set(venue, ofVenue);
    }
    if (ofVenue.has(symbol)) continue;
    ofVenue.add(symbol);
    venues.push(venue);
    symbols.push(symbol);
  }
  return { venues, symbols };
}

export const registerSymbols = `INSERT INTO symbols (venue, symbol)
  SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`;
