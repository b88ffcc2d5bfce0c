import type { MarketExtrasReader } from '../../schemas/ports/market-extras.js';
import type { QuoteTick } from '../../schemas/tick.js';
import type { SqlRows } from './sql-client.js';

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

/** The latest quote, from the store's `quotes` table (sql/0001). */
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
  };
}
