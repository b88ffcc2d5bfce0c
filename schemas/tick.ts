import { z } from 'zod';
import {
  epochMsSchema,
  epochUsSchema,
  priceSchema,
  sizeSchema,
  symbolSchema,
  venueSchema,
} from './market.js';

export const aggressorSchema = z
  .enum(['buy', 'sell', 'unknown'])
  .describe(
    'side of the taker: buy = buyer lifted the offer (Binance is_buyer_maker=false), sell = seller hit the bid',
  );

/** One trade, canonical form inside Nexural (immutable). */
export const tradeTickSchema = z
  .object({
    kind: z.literal('trade').describe('discriminator'),
    venue: venueSchema,
    symbol: symbolSchema,
    tradeId: z.string().min(1).max(128).describe('venue trade id; with venue+symbol it identifies the trade'),
    timeUs: epochUsSchema.describe('event (exchange) time of the trade, µs since epoch'),
    price: priceSchema,
    size: sizeSchema.describe('traded quantity in base currency'),
    aggressor: aggressorSchema,
  })
  .readonly()
  .describe('a trade tick');

export type TradeTick = z.infer<typeof tradeTickSchema>;

/** Best bid/offer update, canonical form. */
export const quoteTickSchema = z
  .object({
    kind: z.literal('quote').describe('discriminator'),
    venue: venueSchema,
    symbol: symbolSchema,
    timeUs: epochUsSchema.describe('event (exchange) time of the quote, µs since epoch'),
    bidPrice: priceSchema.describe('best bid price'),
    bidSize: sizeSchema.describe('quantity at the best bid'),
    askPrice: priceSchema.describe('best ask price'),
    askSize: sizeSchema.describe('quantity at the best ask'),
    updateId: z.string().max(128).optional().describe('venue update/sequence id if it has one'),
  })
  .readonly()
  .refine((quote) => quote.askPrice >= quote.bidPrice, {
    error: 'ask price must not be below bid price',
    path: ['askPrice'],
  })
  .describe('a quote (top of book) tick');

export type QuoteTick = z.infer<typeof quoteTickSchema>;

/** A JSON number or a decimal string such as "61234.10" (exchanges send strings to keep precision). */
const decimal = z.preprocess(
  (value) =>
    typeof value === 'string' && /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(value) ? Number(value) : value,
  z.number({ error: 'must be a number or a decimal string' }),
);

/**
 * The plain-JSON trade format any client may publish to the raw trades topic (documented in the README):
 * `{"venue":"binance","symbol":"BTCUSDT","tradeId":"123","time":1723161255123,"price":"61234.1","size":"0.01","side":"buy"}`
 * `time` is ms since epoch, or use `timeUs` for µs; prices and sizes may be JSON numbers or decimal strings.
 */
export const rawTradeSchema = z
  .object({
    venue: venueSchema,
    symbol: symbolSchema,
    tradeId: z.union([z.string().min(1).max(128), z.number().int().nonnegative()]).describe('venue trade id'),
    time: epochMsSchema.optional().describe('event time, ms since epoch'),
    timeUs: epochUsSchema.optional().describe('event time, µs since epoch (instead of time)'),
    price: decimal.pipe(priceSchema).describe('trade price'),
    size: decimal.pipe(sizeSchema).describe('trade quantity'),
    side: aggressorSchema.optional().describe('taker side; omitted = unknown'),
  })
  .transform((raw, ctx): TradeTick => {
    if ((raw.time === undefined) === (raw.timeUs === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give exactly one of time (ms) or timeUs (µs)',
        path: ['time'],
      });
      return z.NEVER;
    }
    return {
      kind: 'trade',
      venue: raw.venue,
      symbol: raw.symbol,
      tradeId: String(raw.tradeId),
      timeUs: raw.timeUs ?? (raw.time ?? 0) * 1000,
      price: raw.price,
      size: raw.size,
      aggressor: raw.side ?? 'unknown',
    };
  })
  .pipe(tradeTickSchema)
  .describe('plain JSON trade as published to the raw trades topic');
