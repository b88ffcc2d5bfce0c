import { type AlertEvent, alertEventSchema } from '../../schemas/alert-event.js';
import type { Bar } from '../../schemas/bar.js';
import { NexuralError } from '../../schemas/errors.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import type {
  AlertEventQuery,
  BarQuery,
  IndicatorValueQuery,
  Page,
  SeriesKey,
  StoreReader,
  SymbolRef,
  TradeQuery,
} from '../../schemas/ports/store.js';
import type { TradeTick } from '../../schemas/tick.js';
import { parseOrThrow } from '../../schemas/validate.js';
import {
  checkRange,
  cursorPartsWithSeq,
  decodeCursor,
  decodeCursorWithSeq,
  encodeCursor,
  timestampParam,
} from './cursor.js';
import type { SqlSession } from './sql-database.js';

/** ORDER BY direction and the cursor comparison that continues after the last row in that direction. */
const direction = (order: 'asc' | 'desc' | undefined) =>
  order === 'desc' ? ({ sort: 'DESC', after: '<' } as const) : ({ sort: 'ASC', after: '>' } as const);

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

const barColumns = `venue, symbol, bar_interval, ${epochMs('open_time')} AS open_time_ms,
  ${epochMs('close_time')} AS close_time_ms, open, high, low, close, volume, quote_volume,
  trades::float8 AS trades, taker_buy_volume, final, revision, seq, ${epochMs('jumped_from')} AS jumped_from_ms`;

interface BarRow {
  venue: string;
  symbol: string;
  bar_interval: string;
  open_time_ms: number;
  close_time_ms: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quote_volume: number;
  trades: number;
  taker_buy_volume: number;
  final: boolean;
  revision: number;
  seq: number;
  jumped_from_ms: number | null;
}

// Rows were validated on their way in and the tables' CHECKs hold; only numbers need normalising (pg may
// return some as strings).
const toBar = (row: BarRow): Bar => {
  const bar: Bar = {
    venue: row.venue,
    symbol: row.symbol,
    interval: row.bar_interval,
    openTime: Number(row.open_time_ms),
    closeTime: Number(row.close_time_ms),
    open: Number(row.open),
    high: Number(row.high),
    low: Number(row.low),
    close: Number(row.close),
    volume: Number(row.volume),
    quoteVolume: Number(row.quote_volume),
    trades: Number(row.trades),
    takerBuyVolume: Number(row.taker_buy_volume),
    final: row.final,
    revision: Number(row.revision),
    ...(row.jumped_from_ms === null ? {} : { jumpedFrom: Number(row.jumped_from_ms) }),
  };
  const seq = Number(row.seq);
  return seq === 0 ? bar : { ...bar, seq };
};

interface IndicatorRow {
  venue: string;
  symbol: string;
  bar_interval: string;
  spec: string;
  open_time_ms: number;
  outputs: Record<string, number>;
  final: boolean;
  seq: number;
}

interface AlertEventRow {
  id: string;
  time_ms: number;
  kind: string;
  rule_id: string;
  owner: string;
  venue: string;
  symbol: string;
  bar_interval: string;
  message: string;
  provenance: Record<string, unknown>;
}

/** Reads the page one item further than asked, to know whether another page follows. */
function paged<Row, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (item: Item) => (string | number)[],
): Page<Item> {
  const items = rows.slice(0, limit).map(toItem);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}

/** The read side of the store as SQL, identical for PostgreSQL and PGlite. */
export function storeReader(db: SqlSession): StoreReader {
  return {
    async listSymbols(): Promise<readonly SymbolRef[]> {
      const { rows } = await db.query<SymbolRef>('SELECT venue, symbol FROM symbols ORDER BY venue, symbol');
      return rows.map((row) => ({ venue: row.venue, symbol: row.symbol }));
    },

    async latestBar(series: SeriesKey): Promise<Bar | null> {
      const { rows } = await db.query<BarRow>(
        `SELECT ${barColumns} FROM bars WHERE venue = $1 AND symbol = $2 AND bar_interval = $3
         ORDER BY open_time DESC, seq DESC LIMIT 1`,
        [series.venue, series.symbol, series.interval],
      );
      return rows[0] ? toBar(rows[0]) : null;
    },

    async bars(query: BarQuery): Promise<Page<Bar>> {
      const limit = checkRange(query);
      const position = query.cursor ? decodeCursorWithSeq(query.cursor, ['number']) : null;
      const after = position ? position.parts[0] : null;
      const afterSeq = position?.seq ?? 0;
      const { sort, after: past } = direction(query.order);
      const { rows } = await db.query<BarRow>(
        `SELECT ${barColumns} FROM bars
         WHERE venue = $1 AND symbol = $2 AND bar_interval = $3 AND open_time >= $4 AND open_time < $5
           AND ($6::timestamptz IS NULL OR (open_time, seq) ${past} ($6::timestamptz, $9::int4))
           AND (final OR NOT $7)
         ORDER BY open_time ${sort}, seq ${sort} LIMIT $8`,
        [
          query.venue,
          query.symbol,
          query.interval,
          timestampParam(query.from),
          timestampParam(query.to),
          after === null ? null : timestampParam(after),
          query.finalOnly ?? false,
          limit + 1,
          afterSeq,
        ],
      );
      return paged(rows, limit, toBar, (bar) => cursorPartsWithSeq([bar.openTime], bar.seq));
    },

    async indicatorValues(query: IndicatorValueQuery): Promise<Page<IndicatorValue>> {
      const limit = checkRange(query);
      const position = query.cursor ? decodeCursorWithSeq(query.cursor, ['number', 'string']) : null;
      const [afterTime, afterSpec] = position ? position.parts : [null, ''];
      const afterSeq = position?.seq ?? 0;
      const { sort, after: past } = direction(query.order);
      const { rows } = await db.query<IndicatorRow>(
        `SELECT venue, symbol, bar_interval, spec, ${epochMs('open_time')} AS open_time_ms, outputs, final, seq
         FROM indicator_values
         WHERE venue = $1 AND symbol = $2 AND bar_interval = $3 AND open_time >= $4 AND open_time < $5
           AND ($6::text IS NULL OR spec = $6)
           AND ($7::timestamptz IS NULL OR (open_time, seq, spec) ${past} ($7::timestamptz, $10::int4, $8::text))
         ORDER BY open_time ${sort}, seq ${sort}, spec ${sort} LIMIT $9`,
        [
          query.venue,
          query.symbol,
          query.interval,
          timestampParam(query.from),
          timestampParam(query.to),
          query.spec ?? null,
          afterTime === null ? null : timestampParam(afterTime),
          afterSpec,
          limit + 1,
          afterSeq,
        ],
      );
      return paged(
        rows,
        limit,
        (row): IndicatorValue => ({
          venue: row.venue,
          symbol: row.symbol,
          interval: row.bar_interval,
          openTime: Number(row.open_time_ms),
          ...(Number(row.seq) === 0 ? {} : { seq: Number(row.seq) }),
          spec: row.spec,
          outputs: row.outputs,
          final: row.final,
        }),
        (value) => cursorPartsWithSeq([value.openTime, value.spec], value.seq),
      );
    },

    async alertEvents(query: AlertEventQuery): Promise<Page<AlertEvent>> {
      const limit = checkRange(query);
      if (query.owner === undefined && (query.venue === undefined || query.symbol === undefined)) {
        throw new NexuralError('NXR_BAD_VALUE', 'alert events: give an owner, or a venue and a symbol', {
          path: ['owner'],
        });
      }
      const [afterTime, afterId] = query.cursor
        ? decodeCursor(query.cursor, ['number', 'string'])
        : [null, ''];
      const { sort, after: past } = direction(query.order);
      const { rows } = await db.query<AlertEventRow>(
        `SELECT id, ${epochMs('time')} AS time_ms, kind, rule_id, owner, venue, symbol, bar_interval, message,
           provenance
         FROM alert_events
         WHERE time >= $1 AND time < $2 AND ($3::text IS NULL OR owner = $3)
           AND ($4::text IS NULL OR (venue = $4 AND symbol = $5))
           AND ($6::timestamptz IS NULL OR (time, id) ${past} ($6::timestamptz, $7::text))
         ORDER BY time ${sort}, id ${sort} LIMIT $8`,
        [
          timestampParam(query.from),
          timestampParam(query.to),
          query.owner ?? null,
          query.venue ?? null,
          query.symbol ?? null,
          afterTime === null ? null : timestampParam(afterTime),
          afterId,
          limit + 1,
        ],
      );
      return paged(
        rows,
        limit,
        (row) =>
          parseOrThrow(
            alertEventSchema,
            {
              ...row.provenance,
              kind: row.kind,
              id: row.id,
              ruleId: row.rule_id,
              owner: row.owner,
              venue: row.venue,
              symbol: row.symbol,
              interval: row.bar_interval,
              time: Number(row.time_ms),
              message: row.message,
            },
            `stored alert event ${row.id}`,
          ),
        (event) => [event.time, event.id],
      );
    },

    async trades(query: TradeQuery): Promise<Page<TradeTick>> {
      const limit = checkRange(query);
      const [afterUs, afterId] = query.cursor ? decodeCursor(query.cursor, ['number', 'string']) : [null, ''];
      const { sort, after: past } = direction(query.order);
      // µs as text: a timestamptz holds µs exactly, a float8 of epoch seconds would round them
      const { rows } = await db.query<TradeRow>(
        `SELECT venue, symbol, trade_id, price, size, aggressor,
           (extract(epoch FROM time - 'epoch'::timestamptz) * 1000000)::bigint::text AS time_us
         FROM trade_ticks
         WHERE venue = $1 AND symbol = $2 AND time >= $3 AND time < $4
           AND ($5::bigint IS NULL OR (time, trade_id) ${past} ('epoch'::timestamptz + $5::bigint * interval '1 microsecond', $6::text))
         ORDER BY time ${sort}, trade_id ${sort} LIMIT $7`,
        [
          query.venue,
          query.symbol,
          timestampParam(query.from),
          timestampParam(query.to),
          afterUs,
          afterId,
          limit + 1,
        ],
      );
      return paged(
        rows,
        limit,
        (row): TradeTick => ({
          kind: 'trade',
          venue: row.venue,
          symbol: row.symbol,
          tradeId: row.trade_id,
          timeUs: Number(row.time_us),
          price: Number(row.price),
          size: Number(row.size),
          aggressor: row.aggressor,
        }),
        (trade) => [trade.timeUs, trade.tradeId],
      );
    },
  };
}

interface TradeRow {
  venue: string;
  symbol: string;
  trade_id: string;
  price: number;
  size: number;
  aggressor: TradeTick['aggressor'];
  time_us: string;
}
