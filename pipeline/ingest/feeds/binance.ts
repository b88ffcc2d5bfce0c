import { z } from 'zod';
import { NexuralError } from '../../../schemas/errors.js';
import { epochMsSchema, symbolSchema, venueSchema } from '../../../schemas/market.js';
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

export const binanceFeedConfigSchema = z
  .object({
    symbols: z.array(symbolSchema).min(1).describe('symbols as Binance names them, e.g. BTCUSDT'),
    venue: venueSchema.default('binance').describe('venue id written on the ticks'),
    wsBaseUrl: z.url().default('wss://stream.binance.com:9443').describe('market-data stream base URL'),
    restBaseUrl: z.url().default('https://api.binance.com').describe('REST base URL for the backfill'),
    historicalTradesPath: z
      .string()
      .startsWith('/')
      .default('/api/v3/historicalTrades')
      .describe('REST path of the trades-by-id endpoint'),
    apiKey: z.string().min(1).optional().describe('X-MBX-APIKEY, if the endpoint asks for one'),
    restTimeoutMs: z.number().int().min(1).default(10_000).describe('timeout of one REST request'),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(1000)
      .describe('trades per REST page (Binance: ≤ 1000)'),
  })
  .describe('Binance spot trade stream (<symbol>@trade, combined-stream URL)');

export type BinanceFeedConfig = z.output<typeof binanceFeedConfigSchema>;

/**
 * A `<symbol>@trade` payload (Binance spot WebSocket Streams, "Trade Streams"): `t` trade id (contiguous per
 * symbol), `p`/`q` price and quantity as decimal strings, `T` trade time (ms), `m` is the buyer the market
 * maker. USDⓈ-M futures send the same fields plus `X` (order type); spot's `M` and the old `b`/`a` are ignored.
 */
const tradePayloadSchema = z.object({
  e: z.literal('trade'),
  E: z.number().int(),
  s: symbolSchema,
  t: z.number().int().nonnegative(),
  p: positiveDecimalString,
  q: decimalString,
  T: epochMsSchema,
  m: z.boolean(),
});

/** GET /api/v3/historicalTrades item: trades with id ≥ fromId, ascending. */
const historicalTradeSchema = z.object({
  id: z.number().int().nonnegative(),
  price: positiveDecimalString,
  qty: decimalString,
  time: epochMsSchema,
  isBuyerMaker: z.boolean(),
});

/** `m`/`isBuyerMaker` true: the buyer's order was resting, so the seller took liquidity. */
const aggressorOf = (buyerIsMaker: boolean) => (buyerIsMaker ? 'sell' : 'buy');

function tradeOf(
  venue: string,
  symbol: string,
  id: number,
  price: string,
  size: string,
  time: number,
  m: boolean,
) {
  const trade: FeedTrade = {
    id: BigInt(id),
    raw: { venue, symbol, tradeId: String(id), time, price, size, side: aggressorOf(m) },
  };
  return trade;
}

export function createBinanceAdapter(input: z.input<typeof binanceFeedConfigSchema>): ExchangeAdapter {
  const config = parseOrThrow(binanceFeedConfigSchema, input, 'Binance feed config');
  const streams = config.symbols.map((symbol) => `${symbol.toLowerCase()}@trade`);
  const wanted = new Set(config.symbols);
  const headers: Record<string, string> =
    config.apiKey === undefined ? {} : { 'X-MBX-APIKEY': config.apiKey };

  const decode = (frame: string): FeedMessage => {
    const message = parseFrame(frame);
    if (isInvalid(message)) return message;
    // the combined-stream wrapper: {"stream":"btcusdt@trade","data":{…}}
    const payload =
      typeof message.stream === 'string' && typeof message.data === 'object' && message.data !== null
        ? (message.data as Record<string, unknown>)
        : message;
    if ('result' in payload && 'id' in payload) return { kind: 'ignored', what: 'subscription response' };
    if ('code' in payload && 'msg' in payload) return { kind: 'venue-error', message: String(payload.msg) };
    if (payload.e !== 'trade') return { kind: 'ignored', what: `event ${JSON.stringify(payload.e)}` };
    const parsed = tradePayloadSchema.safeParse(payload);
    if (!parsed.success) return invalidFrom(parsed.error, payload, 'Binance trade');
    const { s, t, p, q, T, m } = parsed.data;
    if (!wanted.has(s))
      return invalid('NXR_SCHEMA_INVALID', `Binance trade for unsubscribed symbol "${s}"`, ['s']);
    return { kind: 'trade', trade: tradeOf(config.venue, s, t, p, q, T, m) };
  };

  const backfill = async (symbol: string, fromId: bigint, toId: bigint): Promise<FeedTrade[]> => {
    const trades: FeedTrade[] = [];
    for (let next = fromId; next <= toId; ) {
      const url = new URL(config.historicalTradesPath, config.restBaseUrl);
      url.searchParams.set('symbol', symbol);
      url.searchParams.set('fromId', String(next));
      url.searchParams.set('limit', String(Math.min(config.pageSize, Number(toId - next + 1n))));
      const { body } = await getJson(url, { timeoutMs: config.restTimeoutMs, headers });
      const page = z.array(historicalTradeSchema).safeParse(body);
      if (!page.success) {
        const refusal = invalidFrom(page.error, body, 'Binance historicalTrades');
        throw new NexuralError(refusal.code, refusal.reason, { url: url.toString() });
      }
      const last = page.data.at(-1);
      if (last === undefined || BigInt(last.id) < next) break;
      for (const item of page.data) {
        trades.push(
          tradeOf(config.venue, symbol, item.id, item.price, item.qty, item.time, item.isBuyerMaker),
        );
      }
      next = BigInt(last.id) + 1n;
    }
    return trades;
  };

  return {
    feed: 'binance',
    venue: config.venue,
    symbols: config.symbols,
    url: `${config.wsBaseUrl.replace(/\/$/, '')}/stream?streams=${streams.join('/')}`,
    // the streams are in the URL: reconnecting to it is resubscribing
    subscribeFrames: () => [],
    decode,
    backfill,
    // Binance pings every 20 s and closes a connection that does not pong (ws pongs by itself)
    pingEveryMs: null,
  };
}
