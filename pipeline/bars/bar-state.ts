import type { Bar } from '../../schemas/bar.js';
import {
  type BarBlock,
  CLOSE,
  CLOSE_TIME,
  FIRST_TRADE_US,
  HIGH,
  JUMPED_FROM,
  LAST_TRADE_US,
  LOW,
  OPEN,
  OPEN_TIME,
  SUMS,
} from './bar-block.js';
import type { DecimalScale } from './decimal-scale.js';
import { addExact, exactToDecimalString, exactToNumber, formatUnits, scaleExact } from './exact-sum.js';
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
    return this.data[this.base + OPEN_TIME] as number;
  }
  set openTime(value: number) {
    this.data[this.base + OPEN_TIME] = value;
  }
  get closeTime(): number {
    return this.data[this.base + CLOSE_TIME] as number;
  }
  set closeTime(value: number) {
    this.data[this.base + CLOSE_TIME] = value;
  }
  get open(): number {
    return this.data[this.base + OPEN] as number;
  }
  set open(value: number) {
    this.data[this.base + OPEN] = value;
  }
  get high(): number {
    return this.data[this.base + HIGH] as number;
  }
  set high(value: number) {
    this.data[this.base + HIGH] = value;
  }
  get low(): number {
    return this.data[this.base + LOW] as number;
  }
  set low(value: number) {
    this.data[this.base + LOW] = value;
  }
  get close(): number {
    return this.data[this.base + CLOSE] as number;
  }
  set close(value: number) {
    this.data[this.base + CLOSE] = value;
  }
  /** event times (µs) of the trades that set open and close: ties keep the first arrival as open, last as close */
  get firstTradeUs(): number {
    return this.data[this.base + FIRST_TRADE_US] as number;
  }
  set firstTradeUs(value: number) {
    this.data[this.base + FIRST_TRADE_US] = value;
  }
  get lastTradeUs(): number {
    return this.data[this.base + LAST_TRADE_US] as number;
  }
  set lastTradeUs(value: number) {
    this.data[this.base + LAST_TRADE_US] = value;
  }
  get jumpedFrom(): number {
    return this.data[this.base + JUMPED_FROM] as number;
  }
  set jumpedFrom(value: number) {
    this.data[this.base + JUMPED_FROM] = value;
  }

  reset(openTime: number, closeTime: number): void {
    const data = this.data;
    const base = this.base;
    // the slots written out: `fill` is a call into the runtime
    data[base + OPEN_TIME] = openTime;
    data[base + CLOSE_TIME] = closeTime;
    data[base + OPEN] = data[base + HIGH] = data[base + LOW] = data[base + CLOSE] = 0;
    data[base + FIRST_TRADE_US] = data[base + LAST_TRADE_US] = 0;
    data[base + SUMS] = data[base + SUMS + 1] = data[base + SUMS + 2] = 0;
    data[base + SUMS + 3] = data[base + SUMS + 4] = data[base + SUMS + 5] = 0;
    data[base + JUMPED_FROM] = -1;
    this.trades = 0;
    this.final = false;
    this.revision = -1;
    this.seq = 0;
    this.partial = false;
  }

  /** Adds one trade; open/close follow event time, not arrival. Sizes and values come in scale units. */
  addTrade(trade: ScaledTrade): void {
    const data = this.data;
    const base = this.base;
    const { price, timeUs } = trade;
    if (this.trades === 0) {
      data[base + OPEN] = data[base + HIGH] = data[base + LOW] = data[base + CLOSE] = price;
      data[base + FIRST_TRADE_US] = data[base + LAST_TRADE_US] = timeUs;
    } else {
      if (price > (data[base + HIGH] as number)) data[base + HIGH] = price;
      if (price < (data[base + LOW] as number)) data[base + LOW] = price;
      if (timeUs < (data[base + FIRST_TRADE_US] as number)) {
        data[base + FIRST_TRADE_US] = timeUs;
        data[base + OPEN] = price;
      }
      if (timeUs >= (data[base + LAST_TRADE_US] as number)) {
        data[base + LAST_TRADE_US] = timeUs;
        data[base + CLOSE] = price;
      }
    }
    this.trades++;
    const sums = this.sumsAt;
    addExact(data, sums + VOLUME, trade.sizeUnits);
    addExact(data, sums + QUOTE, trade.quoteHi);
    if (trade.quoteLo !== 0) addExact(data, sums + QUOTE, trade.quoteLo);
    if (trade.takerBuy) addExact(data, sums + TAKER_BUY, trade.sizeUnits);
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
