import { z } from 'zod';
import { NexuralError } from '../../../schemas/errors.js';
import { epochUsSchema, symbolSchema, venueSchema } from '../../../schemas/market.js';
import { quoteTickSchema } from '../../../schemas/tick.js';
import { parseOrThrow } from '../../../schemas/validate.js';
import {
  decimalString,
  type ExchangeAdapter,
  invalidFrom,
  isInvalid,
  parseFrame,
  positiveDecimalString,
} from './exchange-adapter.js';
import { type FeedMessage, type FeedTrade, invalid } from './feed-messages.js';
import { getJson } from './rest-client.js';

export const coinbaseFeedConfigSchema = z
  .object({
    symbols: z.array(symbolSchema).min(1).describe('product ids, e.g. BTC-USD'),
    venue: venueSchema.default('coinbase').describe('venue id written on the ticks'),
    wsUrl: z.url().default('wss://ws-feed.exchange.coinbase.com').describe('Exchange WebSocket feed URL'),
    restBaseUrl: z
      .url()
      .default('https://api.exchange.coinbase.com')
      .describe('REST base URL for the backfill'),
    quotes: z.boolean().default(true).describe('also subscribe to the ticker channel (best bid/offer)'),
    restTimeoutMs: z.number().int().min(1).default(10_000).describe('timeout of one REST request'),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(1000)
      .describe('trades per REST page (Coinbase: ≤ 1000)'),
  })
  .describe('Coinbase Exchange feed: matches (trades), ticker (quotes), heartbeat');

export type CoinbaseFeedConfig = z.output<typeof coinbaseFeedConfigSchema>;

const isoTimePattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/** Coinbase times are ISO 8601 UTC with µs ("2014-11-07T08:19:27.028459Z"); kept to the µs. */
const isoMicros = z
  .string()
  .regex(isoTimePattern, { error: 'must be an ISO 8601 UTC time' })
  .transform((value) => {
    const [, seconds = '', fraction = ''] = isoTimePattern.exec(value) ?? [];
    return Date.parse(`${seconds}Z`) * 1000 + Number(fraction.padEnd(6, '0').slice(0, 6));
  })
  .pipe(epochUsSchema);

const sideSchema = z.enum(['buy', 'sell']);

/**
 * `match` / `last_match` (matches channel). `side` is the MAKER order's side (Coinbase: "a buy side
 * indicates a down-tick because the maker was a buy order"), so the aggressor is the other side.
 */
const matchSchema = z.object({
  type: z.enum(['match', 'last_match']),
  trade_id: z.number().int().nonnegative(),
  sequence: z.number().int().nonnegative(),
  time: isoMicros,
  product_id: symbolSchema,
  size: decimalString,
  price: positiveDecimalString,
  side: sideSchema,
});

const tickerSchema = z.object({
  type: z.literal('ticker'),
  sequence: z.number().int().nonnegative(),
  product_id: symbolSchema,
  time: isoMicros,
  best_bid: positiveDecimalString,
  best_bid_size: decimalString,
  best_ask: positiveDecimalString,
  best_ask_size: decimalString,
});

const heartbeatSchema = z.object({
  type: z.literal('heartbeat'),
  last_trade_id: z.number().int().nonnegative(),
  product_id: symbolSchema,
});

/** GET /products/<id>/trades item (newest first; `side` is the maker side, as in matches). */
const restTradeSchema = z.object({
  trade_id: z.number().int().nonnegative(),
  time: isoMicros,
  price: positiveDecimalString,
  size: decimalString,
  side: sideSchema,
});

const takerOf = (makerSide: 'buy' | 'sell') => (makerSide === 'buy' ? 'sell' : 'buy');

function tradeOf(
  venue: string,
  symbol: string,
  id: number,
  timeUs: number,
  price: string,
  size: string,
  makerSide: 'buy' | 'sell',
) {
  const trade: FeedTrade = {
    id: BigInt(id),
    raw: { venue, symbol, tradeId: String(id), timeUs, price, size, side: takerOf(makerSide) },
  };
  return trade;
}

export function createCoinbaseAdapter(input: z.input<typeof coinbaseFeedConfigSchema>): ExchangeAdapter {
  const config = parseOrThrow(coinbaseFeedConfigSchema, input, 'Coinbase feed config');
  const wanted = new Set(config.symbols);
  const channels = config.quotes ? ['matches', 'ticker', 'heartbeat'] : ['matches', 'heartbeat'];

  const decode = (frame: string): FeedMessage => {
    const message = parseFrame(frame);
    if (isInvalid(message)) return message;
    const productId = message.product_id;
    if (typeof productId === 'string' && !wanted.has(productId)) {
      return invalid('NXR_SCHEMA_INVALID', `Coinbase message for unsubscribed product "${productId}"`, [
        'product_id',
      ]);
    }
    switch (message.type) {
      case 'match':
      case 'last_match': {
        const parsed = matchSchema.safeParse(message);
        if (!parsed.success) return invalidFrom(parsed.error, message, `Coinbase ${message.type}`);
        const { trade_id, time, product_id, price, size, side } = parsed.data;
        return { kind: 'trade', trade: tradeOf(config.venue, product_id, trade_id, time, price, size, side) };
      }
      case 'ticker': {
        const parsed = tickerSchema.safeParse(message);
        if (!parsed.success) return invalidFrom(parsed.error, message, 'Coinbase ticker');
        const ticker = parsed.data;
        const quote = quoteTickSchema.safeParse({
          kind: 'quote',
          venue: config.venue,
          symbol: ticker.product_id,
          timeUs: ticker.time,
          bidPrice: Number(ticker.best_bid),
          bidSize: Number(ticker.best_bid_size),
          askPrice: Number(ticker.best_ask),
          askSize: Number(ticker.best_ask_size),
          updateId: String(ticker.sequence),
        });
        if (!quote.success) return invalidFrom(quote.error, message, 'Coinbase ticker');
        return { kind: 'quote', quote: quote.data, sequence: BigInt(ticker.sequence) };
      }
      case 'heartbeat': {
        const parsed = heartbeatSchema.safeParse(message);
        if (!parsed.success) return invalidFrom(parsed.error, message, 'Coinbase heartbeat');
        const { product_id, last_trade_id } = parsed.data;
        return { kind: 'last-trade-id', symbol: product_id, lastTradeId: BigInt(last_trade_id) };
      }
      case 'error':
        return {
          kind: 'venue-error',
          message: `${String(message.message)}: ${String(message.reason ?? '')}`,
        };
      default:
        // "New message types can be added at any time. Clients are expected to ignore messages they do not support."
        return { kind: 'ignored', what: `type ${JSON.stringify(message.type)}` };
    }
  };

  /** Pages backwards from the gap's end: `after=X` returns the trades older than X, newest first. */
  const backfill = async (symbol: string, fromId: bigint, toId: bigint): Promise<FeedTrade[]> => {
    const trades: FeedTrade[] = [];
    for (let before = toId + 1n; before > fromId; ) {
      const url = new URL(`/products/${encodeURIComponent(symbol)}/trades`, config.restBaseUrl);
      url.searchParams.set('after', String(before));
      url.searchParams.set('limit', String(Math.min(config.pageSize, Number(before - fromId))));
      const { body } = await getJson(url, { timeoutMs: config.restTimeoutMs });
      const page = z.array(restTradeSchema).safeParse(body);
      if (!page.success) {
        const refusal = invalidFrom(page.error, body, 'Coinbase trades');
        throw new NexuralError(refusal.code, refusal.reason, { url: url.toString() });
      }
      let oldest = before;
      for (const item of page.data) {
        const id = BigInt(item.trade_id);
        if (id < oldest) oldest = id;
        trades.push(
          tradeOf(config.venue, symbol, item.trade_id, item.time, item.price, item.size, item.side),
        );
      }
      if (oldest === before) break;
      before = oldest;
    }
    return trades;
  };

  return {
    feed: 'coinbase',
    venue: config.venue,
    symbols: config.symbols,
    url: config.wsUrl,
    subscribeFrames: () => [JSON.stringify({ type: 'subscribe', product_ids: config.symbols, channels })],
    decode,
    backfill,
    // the heartbeat channel speaks every second per product; a ping covers the lulls of a dead TCP path
    pingEveryMs: 15_000,
  };
}
