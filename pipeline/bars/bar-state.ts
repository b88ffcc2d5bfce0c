import type { Bar } from '../../schemas/bar.js';
import { type BarBlock, SUMS } from './bar-block.js';
import type { DecimalScale } from './decimal-scale.js';
import { addExact, exactToDecimalString, exactToNumber, formatUnits, scaleExact } from './exact-sum.js';
import type { ScaledTrade } from './series.js';

/*
 * A bar's slots after its first one, `base` (bar-block.ts names them): 0 openTime, 1 closeTime, 2 open, 3 high,
 * 4 low, 5 close, 6 firstTradeUs, 7 lastTradeUs, 8–13 the exact sums, 14 jumpedFrom. The accessors below write
 * the offsets as literals, and everything else goes through them: V8 folds a literal into optimized code, where
 * a named constant at module level is loaded and checked at each use (~9 instructions; bench/README.md, Issue
 * #17, per-tick instructions).
 */
const VOLUME = 0;
const QUOTE = 1;
const TAKER_BUY = 2;

/** The exact decimal reading of a bar's numbers, for printing without float noise. */
export interface BarDecimals {
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly quoteVolume: string;
  readonly takerBuyVolume: string;
}

/**
 * What a sink receives: a read-only view of a bar at the moment of one emission. The view is reused and
 * changes after the call returns: keep `toBar()` (an immutable copy) or `toDecimals()`, never the view.
 */
export interface BarView {
  readonly venue: string;
  readonly symbol: string;
  readonly interval: string;
  readonly openTime: number;
  readonly closeTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly quoteVolume: number;
  readonly trades: number;
  readonly takerBuyVolume: number;
  readonly final: boolean;
  readonly revision: number;
  /** time bars: open time of the bar before this one when the empty intervals between got no bar; −1: none */
  readonly jumpedFrom: number;
  /** activity bars: 0, or 1, 2, … for further bars of the series opening in the same ms (see schemas/bar.ts) */
  readonly seq: number;
  /**
   * The symbol's watermark (µs; −∞ before its first tick) at this emission: every time bar of the symbol that
   * closes before it is final. With a lateness, a time bar opening after it has an open bar before it, or an
   * interval before it where a trade can still open one.
   */
  readonly watermarkUs: number;
  /**
   * The sink's own: what it keeps for this bar's venue:symbol and interval, found again on the series' later
   * bars without a lookup (a bar state stays with its series; a new one starts with null). Bars never read it.
   */
  sinkState: object | null;
  toBar(): Bar;
  toDecimals(): BarDecimals;
}

/** One bar being built; mutable inside the engine, seen by sinks through `BarView`. Pooled per series. */
export class BarState implements BarView {
  /** the symbol's block (replaced when it grows) and this bar's first slot in it (see bar-block.ts) */
  data: Float64Array<ArrayBuffer>;
  private readonly base: number;
  /** `at` of the volume sum for exact-sum.ts: the quote and taker-buy sums follow */
  private readonly sumsAt: number;
  trades = 0;
  final = false;
  /** revision of the last emission; -1 before the first */
  revision = -1;
  seq = 0;
  /** the first, partial bar under the `firstBar: 'skip'` policy: built but never emitted */
  partial = false;
  sinkState: object | null = null;

  constructor(
    readonly venue: string,
    readonly symbol: string,
    readonly interval: string,
    private readonly scale: DecimalScale,
    block: BarBlock,
  ) {
    this.data = block.data;
    this.base = block.claim(this);
    this.sumsAt = (this.base + SUMS) / 2;
    this.jumpedFrom = -1;
  }

  get openTime(): number {
    return this.data[this.base + 0] as number;
  }
  set openTime(value: number) {
    this.data[this.base + 0] = value;
  }
  get closeTime(): number {
    return this.data[this.base + 1] as number;
  }
  set closeTime(value: number) {
    this.data[this.base + 1] = value;
  }
  get open(): number {
    return this.data[this.base + 2] as number;
  }
  set open(value: number) {
    this.data[this.base + 2] = value;
  }
  get high(): number {
    return this.data[this.base + 3] as number;
  }
  set high(value: number) {
    this.data[this.base + 3] = value;
  }
  get low(): number {
    return this.data[this.base + 4] as number;
  }
  set low(value: number) {
    this.data[this.base + 4] = value;
  }
  get close(): number {
    return this.data[this.base + 5] as number;
  }
  set close(value: number) {
    this.data[this.base + 5] = value;
  }
  /** event times (µs) of the trades that set open and close: ties keep the first arrival as open, last as close */
  get firstTradeUs(): number {
    return this.data[this.base + 6] as number;
  }
  set firstTradeUs(value: number) {
    this.data[this.base + 6] = value;
  }
  get lastTradeUs(): number {
    return this.data[this.base + 7] as number;
  }
  set lastTradeUs(value: number) {
    this.data[this.base + 7] = value;
  }
  /** the symbol's clock sits in its block's header, the watermark at 1 (symbol-bars.ts) */
  get watermarkUs(): number {
    return this.data[1] as number;
  }
  get jumpedFrom(): number {
    return this.data[this.base + 14] as number;
  }
  set jumpedFrom(value: number) {
    this.data[this.base + 14] = value;
  }

  reset(openTime: number, closeTime: number): void {
    // the slots written out: `fill` is a call into the runtime
    this.openTime = openTime;
    this.closeTime = closeTime;
    this.open = this.high = this.low = this.close = 0;
    this.firstTradeUs = this.lastTradeUs = 0;
    const data = this.data;
    const sums = this.base + SUMS;
    data[sums] = data[sums + 1] = data[sums + 2] = data[sums + 3] = data[sums + 4] = data[sums + 5] = 0;
    this.jumpedFrom = -1;
    this.trades = 0;
    this.final = false;
    this.revision = -1;
    this.seq = 0;
    this.partial = false;
  }

  /** Adds one trade; open/close follow event time, not arrival. Sizes and values come in scale units. */
  addTrade(trade: ScaledTrade): void {
    const { price, timeUs } = trade;
    if (this.trades === 0) {
      this.open = this.high = this.low = this.close = price;
      this.firstTradeUs = this.lastTradeUs = timeUs;
    } else {
      if (price > this.high) this.high = price;
      if (price < this.low) this.low = price;
      if (timeUs < this.firstTradeUs) {
        this.firstTradeUs = timeUs;
        this.open = price;
      }
      if (timeUs >= this.lastTradeUs) {
        this.lastTradeUs = timeUs;
        this.close = price;
      }
    }
    this.trades++;
    const data = this.data;
    const volume = this.sumsAt; // the quote sum follows it, then the taker-buy sum
    addExact(data, volume, trade.sizeUnits);
    addExact(data, volume + 1, trade.quoteHi);
    if (trade.quoteLo !== 0) addExact(data, volume + 1, trade.quoteLo);
    if (trade.takerBuy) addExact(data, volume + 2, trade.sizeUnits);
  }

  /** An interval without trades: every price is the previous close (Binance's convention). */
  setFlat(close: number): void {
    this.open = this.high = this.low = this.close = close;
  }

  /** The symbol's unit got finer by 10^sizePower (sizes) and 10^quotePower (values). */
  rescale(sizePower: number, quotePower: number): void {
    scaleExact(this.data, this.sumsAt + VOLUME, sizePower);
    scaleExact(this.data, this.sumsAt + TAKER_BUY, sizePower);
    scaleExact(this.data, this.sumsAt + QUOTE, quotePower);
  }

  /** The three exact sums (volume, quote volume, taker-buy volume: hi, lo each), copied. */
  sums(): Float64Array<ArrayBuffer> {
    return this.data.slice(this.base + SUMS, this.base + SUMS + 6);
  }

  setSums(sums: Float64Array): void {
    this.data.set(sums, this.base + SUMS);
  }

  get volume(): number {
    return exactToNumber(this.data, this.sumsAt + VOLUME, this.scale.sizeDecimals, this.scale.sizeFactor);
  }

  get quoteVolume(): number {
    return exactToNumber(this.data, this.sumsAt + QUOTE, this.scale.quoteDecimals, this.scale.quoteFactor);
  }

  get takerBuyVolume(): number {
    return exactToNumber(this.data, this.sumsAt + TAKER_BUY, this.scale.sizeDecimals, this.scale.sizeFactor);
  }

  toBar(): Bar {
    const bar: Bar = {
      venue: this.venue,
      symbol: this.symbol,
      interval: this.interval,
      openTime: this.openTime,
      closeTime: this.closeTime,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      quoteVolume: this.quoteVolume,
      trades: this.trades,
      takerBuyVolume: this.takerBuyVolume,
      final: this.final,
      revision: this.revision,
    };
    const withJump = this.jumpedFrom < 0 ? bar : { ...bar, jumpedFrom: this.jumpedFrom };
    return Object.freeze(this.seq === 0 ? withJump : { ...withJump, seq: this.seq });
  }

  toDecimals(): BarDecimals {
    const { priceDecimals, priceFactor, sizeDecimals, quoteDecimals } = this.scale;
    // Every price seen is on the symbol's price grid, so rounding to it recovers the exchange's decimal.
    const price = (value: number) => formatUnits(BigInt(Math.round(value * priceFactor)), priceDecimals);
    return {
      open: price(this.open),
      high: price(this.high),
      low: price(this.low),
      close: price(this.close),
      volume: exactToDecimalString(this.data, this.sumsAt + VOLUME, sizeDecimals),
      quoteVolume: exactToDecimalString(this.data, this.sumsAt + QUOTE, quoteDecimals),
      takerBuyVolume: exactToDecimalString(this.data, this.sumsAt + TAKER_BUY, sizeDecimals),
    };
  }
}
