import { NexuralError } from '../../schemas/errors.js';
import type { MarketExtrasReader, ReplayRun } from '../../schemas/ports/market-extras.js';
import type { QuoteTick } from '../../schemas/tick.js';
import type { SqlRows } from './sql-client.js';

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

interface QuoteRow {
  venue: string;
  symbol: string;
  time_us: number;
  update_id: string;
  bid_price: number;
  bid_size: number;
  ask_price: number;
  ask_size: number;
}

interface ReplayRow {
  namespace: string;
  requested_by: string | null;
  source: Record<string, unknown>;
  from_ms: number | null;
  to_ms: number | null;
  status: ReplayRun['status'];
  records_in: number;
  records_out: number;
  started_ms: number;
  finished_ms: number | null;
}

const orNull = (value: number | null): number | null => (value === null ? null : Number(value));

const encodeCursor = (parts: readonly (string | number)[]): string =>
  Buffer.from(JSON.stringify(parts)).toString('base64url');

function decodeReplayCursor(cursor: string): [number, string] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = null;
  }
  if (Array.isArray(parts) && typeof parts[0] === 'number' && typeof parts[1] === 'string') {
    return [parts[0], parts[1]];
  }
  throw new NexuralError('NXR_BAD_VALUE', `cursor "${cursor}" is not a cursor this query returned`, {
    path: ['cursor'],
  });
}

/** Latest quote and replay runs, from the store's tables (sql/0001 `quotes`, sql/0003 `replay_runs`). */
export function sqlMarketExtras(db: SqlRows): MarketExtrasReader {
  return {
    async latestQuote({ venue, symbol }) {
      const { rows } = await db.query<QuoteRow>(
        `SELECT venue, symbol, (extract(epoch FROM time) * 1000000)::float8 AS time_us, update_id, bid_price,
           bid_size, ask_price, ask_size
         FROM quotes WHERE venue = $1 AND symbol = $2 ORDER BY time DESC, update_id DESC LIMIT 1`,
        [venue, symbol],
      );
      const row = rows[0];
      if (!row) return null;
      const quote: QuoteTick = {
        kind: 'quote',
        venue: row.venue,
        symbol: row.symbol,
        timeUs: Number(row.time_us),
        bidPrice: Number(row.bid_price),
        bidSize: Number(row.bid_size),
        askPrice: Number(row.ask_price),
        askSize: Number(row.ask_size),
        ...(row.update_id === '' ? {} : { updateId: row.update_id }),
      };
      return quote;
    },

    async replayRuns({ limit, cursor }) {
      const [beforeMs, beforeNamespace] = cursor ? decodeReplayCursor(cursor) : [null, ''];
      const { rows } = await db.query<ReplayRow>(
        `SELECT namespace, requested_by, source, ${epochMs('from_time')} AS from_ms, ${epochMs('to_time')} AS to_ms,
           status, records_in::float8 AS records_in, records_out::float8 AS records_out,
           ${epochMs('started_at')} AS started_ms, ${epochMs('finished_at')} AS finished_ms
         FROM replay_runs
         WHERE $1::float8 IS NULL OR (${epochMs('started_at')}, namespace) < ($1::float8, $2::text)
         ORDER BY started_at DESC, namespace DESC LIMIT $3`,
        [beforeMs, beforeNamespace, limit + 1],
      );
      const items = rows.slice(0, limit).map(
        (row): ReplayRun => ({
          namespace: row.namespace,
          requestedBy: row.requested_by,
          source: row.source,
          fromTime: orNull(row.from_ms),
          toTime: orNull(row.to_ms),
          status: row.status,
          recordsIn: Number(row.records_in),
          recordsOut: Number(row.records_out),
          startedAt: Number(row.started_ms),
          finishedAt: orNull(row.finished_ms),
        }),
      );
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor([last.startedAt, last.namespace]) : null,
      };
    },
  };
}
