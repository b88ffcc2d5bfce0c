import type { Bar } from '../../schemas/bar.js';
import type { DecimalScale } from './decimal-scale.js';
import {
  addExact,
  exactSums,
  exactToDecimalString,
  exactToNumber,
  formatUnits,
  scaleExact,
} from './exact-sum.js';
import type { ScaledTrade } from './series.js';

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
   * The sink's own: what it keeps for this bar's venue:symbol and interval, found again on the series' later
   * bars without a lookup (a bar state stays with its series; a new one starts with null). Bars never read it.
   */
  sinkState: object | null;
  toBar(): Bar;
  toDecimals(): BarDecimals;
}

/** One bar being built; mutable inside the engine, seen by sinks through `BarView`. Pooled per series. */
export class BarState implements BarView {
  openTime = 0;
  closeTime = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  /** event times (µs) of the trades that set open and close: ties keep the first arrival as open, last as close */
  firstTradeUs = 0;
  lastTradeUs = 0;
  trades = 0;
  final = false;
  /** revision of the last emission; -1 before the first */
  revision = -1;
  seq = 0;
  /** the first, partial bar under the `firstBar: 'skip'` policy: built but never emitted */
  partial = false;
  jumpedFrom = -1;
  sinkState: object | null = null;
  /** exact sums in the symbol's units: volume, quote volume, taker-buy volume */
  readonly sums = exactSums(3);

  constructor(
    readonly venue: string,
    readonly symbol: string,
    readonly interval: string,
    private readonly scale: DecimalScale,
  ) {}

  reset(openTime: number, closeTime: number): void {
    this.openTime = openTime;
    this.closeTime = closeTime;
    this.open = this.high = this.low = this.close = 0;
    this.firstTradeUs = this.lastTradeUs = 0;
    this.trades = 0;
    this.final = false;
    this.revision = -1;
    this.seq = 0;
    this.partial = false;
    this.jumpedFrom = -1;
    // three exact sums of two numbers each, written out: `fill` is a call into the runtime
    const sums = this.sums;
    sums[0] = sums[1] = sums[2] = sums[3] = sums[4] = sums[5] = 0;
  }

  /** Adds one trade; open/close follow event time, not arrival. Sizes and values come in scale units. */
  addTrade(trade: ScaledTrade): void {
    const { price, timeUs } = trade.tick;
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
    addExact(this.sums, VOLUME, trade.sizeUnits);
    addExact(this.sums, QUOTE, trade.quoteHi);
    if (trade.quoteLo !== 0) addExact(this.sums, QUOTE, trade.quoteLo);
    if (trade.takerBuy) addExact(this.sums, TAKER_BUY, trade.sizeUnits);
  }

  /** An interval without trades: every price is the previous close (Binance's convention). */
  setFlat(close: number): void {
    this.open = this.high = this.low = this.close = close;
  }

  /** The symbol's unit got finer by 10^sizePower (sizes) and 10^quotePower (values). */
  rescale(sizePower: number, quotePower: number): void {
    scaleExact(this.sums, VOLUME, sizePower);
    scaleExact(this.sums, TAKER_BUY, sizePower);
    scaleExact(this.sums, QUOTE, quotePower);
  }

  get volume(): number {
    return exactToNumber(this.sums, VOLUME, this.scale.sizeDecimals, this.scale.sizeFactor);
  }

  get quoteVolume(): number {
    return exactToNumber(this.sums, QUOTE, this.scale.quoteDecimals, this.scale.quoteFactor);
  }

  get takerBuyVolume(): number {
    return exactToNumber(this.sums, TAKER_BUY, this.scale.sizeDecimals, this.scale.sizeFactor);
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
      volume: exactToDecimalString(this.sums, VOLUME, sizeDecimals),
      quoteVolume: exactToDecimalString(this.sums, QUOTE, quoteDecimals),
      takerBuyVolume: exactToDecimalString(this.sums, TAKER_BUY, sizeDecimals),
    };
  }
}
