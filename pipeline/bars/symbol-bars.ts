import { NexuralError } from '../../schemas/errors.js';
import type { BarInterval } from '../../schemas/interval.js';
import type { TradeTick } from '../../schemas/tick.js';
import { ActivityBarSeries } from './activity-bars.js';
import { BarBlock } from './bar-block.js';
import type { BarAggregatorOptions, BarSink } from './bar-options.js';
import type { SymbolBarsSnapshot } from './bar-snapshot.js';
import { DecimalScale, fewestDecimals, MAX_DECIMALS } from './decimal-scale.js';
import { type ExactProduct, exactProduct } from './exact-sum.js';
import { type BarSeries, msOf, type ScaledTrade, type SeriesContext } from './series.js';
import { TimeBarSeries } from './time-bars.js';

/**
 * The header of a symbol's block: its clock (µs: the latest event time at 0, the watermark at 1), then one
 * deadline per series (see BarSeries). The accessors below write these offsets as literals (see bar-state.ts),
 * as does BarState.watermarkUs.
 */
const DEADLINES = 2;

/**
 * Per-tick scratch of an aggregator, shared by its symbols: only valid during one `SymbolBars.add`. It holds no
 * reference to a tick: keeping the caller's last tick until the symbol's next one would let a quiet symbol's
 * tick survive young-generation collections, and V8 then allocates every tick of that site in old space
 * (measured: all 5M ticks of bench:engine promoted, old space swinging by ~175 MiB).
 */
export interface SymbolScratch {
  readonly trade: ScaledTrade;
  readonly product: ExactProduct;
}

export const symbolScratch = (): SymbolScratch => {
  const trade = {
    price: 0,
    timeUs: 0,
    watermarkUs: 0,
    timeMs: 0,
    sizeUnits: 0,
    quoteHi: 0,
    quoteLo: 0,
    takerBuy: false,
  };
  return { trade, product: { hi: 0, lo: 0 } };
};

/**
 * Every interval of one venue+symbol, with the symbol's own watermark and decimal scale.
 *
 * The watermark is per symbol because the log orders ticks per symbol only: a busy symbol must not
 * finalize a quiet one's bars before that symbol's own (possibly delayed) ticks arrive. Quiet symbols are
 * moved on by an external clock (`BarAggregator.advanceWatermark`).
 */
export class SymbolBars {
  private readonly scale = new DecimalScale();
  private readonly series: BarSeries[];
  private readonly latenessUs: number;
  /** the symbol's block: its clock and its series' deadlines in the header, then its bars (see bar-block.ts) */
  data: Float64Array<ArrayBuffer>;

  constructor(
    venue: string,
    symbol: string,
    intervals: readonly BarInterval[],
    options: BarAggregatorOptions,
    sink: BarSink,
    /** the aggregator's, shared by its symbols (one object hot in cache rather than one per symbol) */
    private readonly scratch: SymbolScratch,
  ) {
    const block = new BarBlock(DEADLINES + intervals.length, intervals.length);
    this.data = block.data;
    block.watch(this);
    this.maxTimeUs = this.watermarkUs = Number.NEGATIVE_INFINITY;
    this.data.fill(Number.POSITIVE_INFINITY, DEADLINES, DEADLINES + intervals.length);
    const context: SeriesContext = { venue, symbol, scale: this.scale, block, options, sink };
    this.series = intervals.map((interval, index) =>
      interval.kind === 'time'
        ? new TimeBarSeries(context, interval.label, interval.ms, DEADLINES + index)
        : new ActivityBarSeries(context, interval),
    );
    this.latenessUs = options.allowedLatenessMs * 1000;
  }

  private get maxTimeUs(): number {
    return this.data[0] as number;
  }
  private set maxTimeUs(value: number) {
    this.data[0] = value;
  }

  private get watermarkUs(): number {
    return this.data[1] as number;
  }
  private set watermarkUs(value: number) {
    this.data[1] = value;
  }

  /** the watermark (µs) from which series `index`'s advance() has work */
  private deadline(index: number): number {
    return this.data[2 + index] as number;
  }

  /** The watermark in ms, or null before the first tick. */
  get watermark(): number | null {
    return Number.isFinite(this.watermarkUs) ? Math.floor(this.watermarkUs / 1000) : null;
  }

  add(tick: TradeTick): void {
    const scale = this.scale;
    const { price, size } = tick;
    let priceUnits = Math.round(price * scale.priceFactor);
    if (priceUnits / scale.priceFactor !== price && scale.priceDecimals < MAX_DECIMALS) {
      this.refine(fewestDecimals(price, scale.priceDecimals + 1), scale.sizeDecimals);
      priceUnits = Math.round(price * scale.priceFactor);
    }
    let sizeUnits = Math.round(size * scale.sizeFactor);
    if (sizeUnits / scale.sizeFactor !== size && scale.sizeDecimals < MAX_DECIMALS) {
      this.refine(scale.priceDecimals, fewestDecimals(size, scale.sizeDecimals + 1));
      sizeUnits = Math.round(size * scale.sizeFactor);
    }
    const { trade, product } = this.scratch;
    exactProduct(priceUnits, sizeUnits, product);
    trade.price = price;
    trade.timeUs = tick.timeUs;
    trade.timeMs = msOf(tick.timeUs);
    trade.sizeUnits = sizeUnits;
    trade.quoteHi = product.hi;
    trade.quoteLo = product.lo;
    trade.takerBuy = tick.aggressor === 'buy';
    if (tick.timeUs > this.maxTimeUs) this.advanceTo(tick);
    trade.watermarkUs = this.watermarkUs;
    for (const series of this.series) series.addTrade(trade, tick);
  }

  /**
   * Moves the symbol's clock to an event time if it is later than any seen: a tick's, or an external
   * clock's in µs (a tick is passed whole because V8 boxes a float passed as an argument).
   */
  advanceTo(clock: TradeTick | number): void {
    const timeUs = typeof clock === 'number' ? clock : clock.timeUs;
    if (timeUs <= this.maxTimeUs) return;
    this.maxTimeUs = timeUs;
    this.watermarkUs = timeUs - this.latenessUs;
    const series = this.series;
    for (let index = 0; index < series.length; index++) {
      // (read again after each call: a series' advance may grow the block)
      if (this.watermarkUs >= this.deadline(index)) (series[index] as BarSeries).advance(this.watermarkUs);
    }
  }

  flush(): void {
    for (const series of this.series) series.flush();
  }

  /** The symbol's clock, scale and series, as plain data (see bar-snapshot.ts); the caller adds the names. */
  snapshot(): Omit<SymbolBarsSnapshot, 'venue' | 'symbol'> {
    return {
      priceDecimals: this.scale.priceDecimals,
      sizeDecimals: this.scale.sizeDecimals,
      maxTimeUs: Number.isFinite(this.maxTimeUs) ? this.maxTimeUs : null,
      watermarkUs: Number.isFinite(this.watermarkUs) ? this.watermarkUs : null,
      series: this.series.map((series) => series.snapshot()),
    };
  }

  /** Takes over a snapshot of the same symbol with the same intervals (a fresh instance only). */
  restore(snapshot: SymbolBarsSnapshot): void {
    this.scale.setDecimals(snapshot.priceDecimals, snapshot.sizeDecimals);
    this.maxTimeUs = snapshot.maxTimeUs ?? Number.NEGATIVE_INFINITY;
    this.watermarkUs = snapshot.watermarkUs ?? Number.NEGATIVE_INFINITY;
    if (snapshot.series.length !== this.series.length) {
      throw new NexuralError(
        'NXR_CONFIG_INVALID',
        `bar snapshot of ${snapshot.venue}:${snapshot.symbol} has ${snapshot.series.length} intervals, the aggregator ${this.series.length}`,
      );
    }
    this.series.forEach((series, index) => {
      const saved = snapshot.series[index];
      if (saved) series.restore(saved);
    });
  }

  /** Finer decimals seen: every open bar's sums move to the new unit. */
  private refine(priceDecimals: number, sizeDecimals: number): void {
    const sizePower = sizeDecimals - this.scale.sizeDecimals;
    const quotePower = priceDecimals + sizeDecimals - this.scale.quoteDecimals;
    this.scale.setDecimals(priceDecimals, sizeDecimals);
    for (const series of this.series) series.rescale(sizePower, quotePower);
  }
}
