import { z } from 'zod';
import { epochMsSchema, symbolSchema, venueSchema } from '../../schemas/market.js';
import { parseOrThrow } from '../../schemas/validate.js';
import type { RawTradeJson } from './feeds/feed-messages.js';

export const syntheticFeedSchema = z
  .object({
    symbols: z
      .union([z.number().int().min(1).max(1_000_000), z.array(symbolSchema).min(1)])
      .default(10)
      .describe('how many symbols (named SYN00001…) or their names'),
    venue: venueSchema.default('synthetic').describe('venue id written on the ticks'),
    ratePerSecond: z
      .number()
      .positive()
      .max(10_000_000)
      .default(1000)
      .describe('ticks per second, all symbols'),
    seed: z.number().int().default(1).describe('same seed, same ticks'),
    startTimeMs: epochMsSchema
      .default(Date.UTC(2024, 0, 1))
      .describe('event time of the first tick; later ticks are 1/rate s apart (never the wall clock)'),
    startPrice: z.number().positive().default(100).describe('every symbol starts here'),
    drift: z.number().default(0).describe('µ, annualised drift of the log price'),
    volatility: z.number().min(0).default(0.8).describe('σ, annualised volatility'),
    meanSize: z.number().positive().default(0.5).describe('mean trade size (exponentially distributed)'),
    priceDecimals: z.number().int().min(0).max(12).default(2).describe('prices are rounded to this tick'),
    sizeDecimals: z.number().int().min(0).max(12).default(4).describe('sizes are rounded to this lot'),
  })
  .describe('synthetic trades: geometric Brownian motion per symbol');

export type SyntheticFeedConfig = z.output<typeof syntheticFeedSchema>;
export type SyntheticFeedInput = z.input<typeof syntheticFeedSchema>;

/** xoshiro128** (Blackman & Vigna): small, fast, and the same numbers for the same seed everywhere. */
function xoshiro128(seed: number): () => number {
  // splitmix32 spreads the seed over the four state words
  let mix = seed >>> 0;
  const next32 = () => {
    mix = (mix + 0x9e3779b9) >>> 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = next32();
  let b = next32();
  let c = next32();
  let d = next32();
  return () => {
    const result = Math.imul((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = ((d << 11) | (d >>> 21)) >>> 0;
    return result / 4_294_967_296;
  };
}

const SECONDS_PER_YEAR = 365 * 86_400;

/**
 * Deterministic synthetic trades: each tick picks a symbol at random and moves its price by geometric
 * Brownian motion over the time since that symbol's previous tick, S·exp((µ − σ²/2)Δt + σ√Δt·Z), Z from
 * Box–Muller. Event times advance by exactly 1/rate s, trade ids count up per symbol from 1.
 */
export function* syntheticTrades(input: SyntheticFeedInput = {}): Generator<RawTradeJson> {
  const config = parseOrThrow(syntheticFeedSchema, input, 'synthetic feed config');
  const random = xoshiro128(config.seed);
  const names =
    typeof config.symbols === 'number'
      ? Array.from({ length: config.symbols }, (_, index) => `SYN${String(index + 1).padStart(5, '0')}`)
      : config.symbols;
  const prices = names.map(() => config.startPrice);
  const lastTimeUs = names.map(() => config.startTimeMs * 1000);
  const ids = names.map(() => 0);
  const startUs = config.startTimeMs * 1000;
  const { drift, volatility } = config;
  let spare: number | null = null;
  const gaussian = () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const u = 1 - random();
    const v = random();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
  for (let index = 0; ; index++) {
    const timeUs = startUs + Math.floor((index * 1e6) / config.ratePerSecond);
    const symbol = Math.floor(random() * names.length);
    const dtYears = Math.max(timeUs - (lastTimeUs[symbol] ?? timeUs), 1) / 1e6 / SECONDS_PER_YEAR;
    const price =
      (prices[symbol] ?? config.startPrice) *
      Math.exp(
        (drift - (volatility * volatility) / 2) * dtYears + volatility * Math.sqrt(dtYears) * gaussian(),
      );
    prices[symbol] = price;
    lastTimeUs[symbol] = timeUs;
    const id = (ids[symbol] ?? 0) + 1;
    ids[symbol] = id;
    const tick = 10 ** -config.priceDecimals;
    const lot = 10 ** -config.sizeDecimals;
    yield {
      venue: config.venue,
      symbol: names[symbol] ?? '',
      tradeId: String(id),
      timeUs,
      price: Math.max(tick, price).toFixed(config.priceDecimals),
      size: Math.max(lot, -Math.log(1 - random()) * config.meanSize).toFixed(config.sizeDecimals),
      side: random() < 0.5 ? 'buy' : 'sell',
    };
  }
}

/**
 * The synthetic trades at their event-time pace on the wall clock (ratePerSecond), in batches of what is
 * due, until `signal` aborts or `limit` ticks were yielded.
 */
export async function* pacedSyntheticTrades(
  input: SyntheticFeedInput,
  options: { readonly signal?: AbortSignal; readonly limit?: number } = {},
): AsyncGenerator<readonly RawTradeJson[]> {
  const rate = parseOrThrow(syntheticFeedSchema, input, 'synthetic feed config').ratePerSecond;
  const trades = syntheticTrades(input);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const startedAt = performance.now();
  let yielded = 0;
  while (yielded < limit && !options.signal?.aborted) {
    const due = Math.min(limit, Math.floor(((performance.now() - startedAt) / 1000) * rate) + 1);
    const batch: RawTradeJson[] = [];
    while (yielded < due) {
      const next = trades.next();
      if (next.done) return;
      batch.push(next.value);
      yielded++;
    }
    if (batch.length > 0) yield batch;
    const waitMs = (yielded / rate) * 1000 - (performance.now() - startedAt);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.max(1, waitMs)));
  }
}
