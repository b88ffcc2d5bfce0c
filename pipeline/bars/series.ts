import type { TradeTick } from '../../schemas/tick.js';
import type { BarAggregatorOptions, BarSink } from './bar-options.js';
import { BarState } from './bar-state.js';
import type { DecimalScale } from './decimal-scale.js';

/** What one symbol shares with each of its bar series. */
export interface SeriesContext {
  readonly venue: string;
  readonly symbol: string;
  readonly scale: DecimalScale;
  readonly options: BarAggregatorOptions;
  readonly sink: BarSink;
}

/** One trade in the symbol's units; a single object reused for every tick of the symbol. */
export interface ScaledTrade {
  tick: TradeTick;
  timeMs: number;
  sizeUnits: number;
  quoteHi: number;
  quoteLo: number;
  takerBuy: boolean;
}

/** The bars of one symbol at one interval. */
export interface BarSeries {
  /** The symbol's watermark moved (µs): finalize what it passed. */
  advance(watermarkUs: number): void;
  addTrade(trade: ScaledTrade, watermarkUs: number): void;
  /** End of input: finalize every remaining bar. */
  flush(): void;
  rescale(sizePower: number, quotePower: number): void;
}

/** Recycles bar states so a steady stream of new bars does not allocate (views are valid per call only). */
export class BarPool {
  private readonly free: BarState[] = [];

  constructor(
    private readonly context: SeriesContext,
    private readonly interval: string,
  ) {}

  take(openTime: number, closeTime: number): BarState {
    const { venue, symbol, scale } = this.context;
    const bar = this.free.pop() ?? new BarState(venue, symbol, this.interval, scale);
    bar.reset(openTime, closeTime);
    return bar;
  }

  recycle(bar: BarState): void {
    this.free.push(bar);
  }
}

/** Milliseconds of a µs event time, exactly (integer arithmetic, no float division rounding). */
export const msOf = (timeUs: number): number => (timeUs - (timeUs % 1000)) / 1000;
