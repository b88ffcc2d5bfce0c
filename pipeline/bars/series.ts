import type { TradeTick } from '../../schemas/tick.js';
import type { BarBlock } from './bar-block.js';
import type { BarAggregatorOptions, BarSink } from './bar-options.js';
import type { BarSeriesSnapshot } from './bar-snapshot.js';
import { BarState } from './bar-state.js';
import type { DecimalScale } from './decimal-scale.js';

/** What one symbol shares with each of its bar series. */
export interface SeriesContext {
  readonly venue: string;
  readonly symbol: string;
  readonly scale: DecimalScale;
  /** where the numbers of every bar of the symbol live */
  readonly block: BarBlock;
  readonly options: BarAggregatorOptions;
  readonly sink: BarSink;
}

/**
 * One trade in the symbol's units, with the symbol's watermark once the trade's time counted; a single
 * object reused for every tick of the symbol (fields, not arguments: V8 boxes doubles passed as arguments).
 * It copies the tick's numbers rather than pointing to the tick: the scratch object lives in old space, and
 * storing a young tick into it took V8's write barrier slow path on every trade.
 */
export interface ScaledTrade {
  price: number;
  timeUs: number;
  watermarkUs: number;
  timeMs: number;
  sizeUnits: number;
  quoteHi: number;
  quoteLo: number;
  takerBuy: boolean;
}

/**
 * The bars of one symbol at one interval. A series keeps the watermark (µs) from which advance() has work to do
 * in its deadline slot of the symbol's block (+∞ when none): skipping calls below it keeps ticks cheap.
 */
export interface BarSeries {
  /** The symbol's watermark moved (µs) to at least the series' deadline: finalize what it passed. */
  advance(watermarkUs: number): void;
  /** `tick` is the trade's own, for what reports it (a late tick); its numbers are read from `trade`. */
  addTrade(trade: ScaledTrade, tick: TradeTick): void;
  /** End of input: finalize every remaining bar. */
  flush(): void;
  rescale(sizePower: number, quotePower: number): void;
  /** The bars that can still change and what decides the next ones, as plain data (see bar-snapshot.ts). */
  snapshot(): BarSeriesSnapshot;
  /** Takes over a snapshot of a series of the same interval (a fresh series only). */
  restore(snapshot: BarSeriesSnapshot): void;
}

/** Recycles bar states so a steady stream of new bars does not allocate (views are valid per call only). */
export class BarPool {
  /**
   * The last bar recycled, outside the array: a series without lateness recycles one bar and takes one back per
   * interval, and an array emptied by `pop` grew again on every `push` (a builtin's slow path, ~1.5% of bench:engine).
   */
  private spare: BarState | null = null;
  private readonly free: BarState[] = [];

  constructor(
    private readonly context: SeriesContext,
    private readonly interval: string,
  ) {}

  take(openTime: number, closeTime: number): BarState {
    let bar = this.spare;
    if (bar === null) {
      const { venue, symbol, scale, block } = this.context;
      bar = this.free.pop() ?? new BarState(venue, symbol, this.interval, scale, block);
    } else this.spare = null;
    bar.reset(openTime, closeTime);
    return bar;
  }

  recycle(bar: BarState): void {
    if (this.spare === null) this.spare = bar;
    else this.free.push(bar);
  }
}

/**
 * Whole milliseconds of a µs event time. Exact: below 2^43 ms (year 2248) the quotient's rounding error is
 * under 0.0005 while a non-integer quotient is at least 0.001 from the next integer; and it is several
 * times faster than `%` on numbers this large (a C fmod call in V8).
 */
export const msOf = (timeUs: number): number => Math.floor(timeUs / 1000);

/** Start of the `ms`-long interval holding `timeMs`, aligned to the epoch; exact by the same argument. */
export const intervalStart = (timeMs: number, ms: number): number => Math.floor(timeMs / ms) * ms;
