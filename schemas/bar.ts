import { z } from 'zod';
import { intervalSchema } from './interval.js';
import { epochMsSchema, priceSchema, sizeSchema, symbolSchema, venueSchema } from './market.js';

/** An OHLCV bar. Live bars are revised as trades arrive; `final` bars never change again. */
export const barSchema = z
  .object({
    venue: venueSchema,
    symbol: symbolSchema,
    interval: intervalSchema,
    openTime: epochMsSchema.describe('start of the bar (inclusive), ms; time bars: aligned to the UTC epoch'),
    closeTime: epochMsSchema.describe(
      'end of the bar, ms, inclusive as Binance writes it (openTime + interval − 1 for time bars; last trade time for activity bars)',
    ),
    open: priceSchema.describe('price of the first trade'),
    high: priceSchema.describe('highest trade price'),
    low: priceSchema.describe('lowest trade price'),
    close: priceSchema.describe('price of the last trade'),
    volume: sizeSchema.describe('sum of trade sizes (base currency)'),
    quoteVolume: sizeSchema.describe('sum of price × size (quote currency)'),
    trades: z
      .number()
      .int()
      .nonnegative()
      .describe('number of trades; 0 for a flat bar over an empty interval'),
    jumpedFrom: epochMsSchema
      .optional()
      .describe(
        'time bars: present when the series jumped over empty intervals that got no bar (more than the flat-bar cap): the openTime of the bar before this one; absent = no jump',
      ),
    takerBuyVolume: sizeSchema.describe('base volume of trades whose taker bought'),
    final: z
      .boolean()
      .describe('true once the watermark passed the bar close; the bar will not change again'),
    revision: z
      .number()
      .int()
      .nonnegative()
      .describe(
        '0 for the first emission of this bar, +1 for each update (forming bar or late-tick revision)',
      ),
    seq: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'activity bars (Nt, Nv, Nq) only: 1, 2, … for the 2nd, 3rd, … bar of the series opening in the same ms as the one before it; absent = 0. With openTime it keys the bar',
      ),
  })
  .readonly()
  .refine(
    (bar) => bar.low <= bar.open && bar.low <= bar.close && bar.high >= bar.open && bar.high >= bar.close,
    {
      error: 'low must be <= open, close and high must be >= open, close',
      path: ['low'],
    },
  )
  .describe('an OHLCV bar');

export type Bar = z.infer<typeof barSchema>;
