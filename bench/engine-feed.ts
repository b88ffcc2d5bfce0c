/**
 * bench:engine's synthetic ticks, generated chunk by chunk into reused columns: the process holds one chunk
 * (17 bytes a tick: prices in cents, sizes in thousandths, the grids the ticks are rounded to), not the whole
 * feed (85 MiB for 5M ticks), and every run of a feed with the same options yields the same ticks in order.
 */

export type FeedKind = 'zipf' | 'uniform';

export type FeedOptions = {
  kind: FeedKind;
  ticks: number;
  symbols: number;
  /** event time of the first tick */
  startMs: number;
  /** event time the whole feed spans */
  spanMs: number;
  /** each symbol's price before its first tick */
  startPrice: readonly number[];
};

/** One chunk of ticks, `length` rows valid; the columns are overwritten by the next `fill`. */
export type FeedChunk = {
  length: number;
  readonly symbol: Uint16Array | Int32Array;
  readonly cents: Int32Array;
  readonly milliSize: Uint16Array;
  readonly timeUs: Float64Array;
  readonly buy: Uint8Array;
};

/** Ticks a chunk holds: ~1.1 MiB of columns. */
export const FEED_CHUNK_TICKS = 65536;

export const feedChunkBytes = (chunk: FeedChunk): number =>
  chunk.symbol.byteLength +
  chunk.cents.byteLength +
  chunk.milliSize.byteLength +
  chunk.timeUs.byteLength +
  chunk.buy.byteLength;

export type Feed = {
  readonly chunk: FeedChunk;
  /** Writes the next ticks into `chunk` and returns how many (0 once the feed is exhausted). */
  fill(): number;
};

/**
 * `zipf` is like an exchange's feed: symbol activity follows Zipf's law (weight 1/rank: the busiest symbol
 * trades ~7.5× the 10th's rate), and a taker order fills several makers at once, so trades come in bursts of
 * one symbol, one event time and one side (geometric, mean 3: Binance's BTCUSDT and ETHUSDT trades in
 * ../shared/data average 2.8–4.1 trades per distinct ms). Every symbol moves ~1% per hour of event time
 * whatever its activity, on a 0.01 price grid, so most trades repeat the last price as on a real book.
 * `uniform` is the worst case for caches: every tick on a uniformly random symbol, each moving ~0.06% a tick.
 */
export function createFeed(options: FeedOptions): Feed {
  const { ticks, symbols, startMs, spanMs } = options;
  const chunk: FeedChunk = {
    length: 0,
    symbol: symbols <= 65536 ? new Uint16Array(FEED_CHUNK_TICKS) : new Int32Array(FEED_CHUNK_TICKS),
    cents: new Int32Array(FEED_CHUNK_TICKS),
    milliSize: new Uint16Array(FEED_CHUNK_TICKS),
    timeUs: new Float64Array(FEED_CHUNK_TICKS),
    buy: new Uint8Array(FEED_CHUNK_TICKS),
  };
  // Deterministic xorshift so every run measures the same ticks.
  let seed = 0x9e3779b9;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const price = Float64Array.from(options.startPrice);
  const timeUsAt = (i: number) => (startMs + Math.floor((i / ticks) * spanMs)) * 1000 + (i % 1000);
  /** the feed's index of the next tick */
  let next = 0;
  const write = (row: number, symbol: number, p: number, timeUs: number, buy: boolean) => {
    chunk.symbol[row] = symbol;
    chunk.cents[row] = Math.max(1, Math.round(p * 100));
    chunk.milliSize[row] = Math.max(1, Math.round(random() * 5000));
    chunk.timeUs[row] = timeUs;
    chunk.buy[row] = buy ? 1 : 0;
  };

  const cumulative = new Float64Array(symbols);
  let total = 0;
  for (let s = 0; s < symbols; s++) cumulative[s] = total += 1 / (s + 1);
  const hours = spanMs / 3_600_000;
  const stepSigma = Float64Array.from(cumulative, (_, s) => {
    const ticksPerHour = ((1 / (s + 1) / total) * ticks) / hours;
    return 0.01 / Math.sqrt(Math.max(1, ticksPerHour));
  });
  /** the taker order being filled: its fills continue across a chunk's end */
  const burst = { open: false, symbol: 0, buy: false, timeUs: 0, sigma: 0 };
  const fillZipf = (): number => {
    let row = 0;
    for (; row < FEED_CHUNK_TICKS && next < ticks; row++) {
      if (!burst.open) {
        const pick = random() * total;
        let lo = 0;
        let hi = symbols - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((cumulative[mid] ?? 0) < pick) lo = mid + 1;
          else hi = mid;
        }
        burst.open = true;
        burst.symbol = lo;
        burst.buy = random() < 0.5;
        burst.timeUs = timeUsAt(next);
        burst.sigma = (stepSigma[lo] ?? 0) * Math.sqrt(12); // uniform step of this standard deviation
      }
      const move = (random() - 0.5) * burst.sigma;
      const p = (price[burst.symbol] ?? 1) * Math.exp(burst.buy ? Math.abs(move) : -Math.abs(move));
      price[burst.symbol] = p;
      write(row, burst.symbol, p, burst.timeUs, burst.buy);
      next++;
      burst.open = next < ticks && random() < 2 / 3;
    }
    return row;
  };

  const fillUniform = (): number => {
    let row = 0;
    for (; row < FEED_CHUNK_TICKS && next < ticks; row++, next++) {
      const s = Math.floor(random() * symbols);
      const p = (price[s] ?? 1) * Math.exp((random() - 0.5) * 0.002);
      price[s] = p;
      write(row, s, p, timeUsAt(next), (next & 1) === 0);
    }
    return row;
  };

  const fillChunk = options.kind === 'uniform' ? fillUniform : fillZipf;
  return {
    chunk,
    fill() {
      chunk.length = fillChunk();
      return chunk.length;
    },
  };
}
