import type { BandsResult } from './bbands.js';
import type { BarInput, Indicator } from './indicator.js';
import { AtrStream } from './streams/atr-stream.js';
import { EmaStream } from './streams/ema-stream.js';

/**
 * Keltner channel as StockCharts defines it (and TradingView's `KC` with its defaults): middle = EMA(period) of
 * the close, bands = middle ± multiplier × ATR(atrPeriod); defaults 20, 2, 10. The EMA and the ATR are our TA-Lib
 * ones (EMA seeded with an SMA, Wilder ATR), so the channel is warm when both are.
 */
export class Keltner implements Indicator<BandsResult> {
  static readonly outputNames: readonly string[] = Object.freeze(['upper', 'middle', 'lower']);
  readonly outputs = Keltner.outputNames;
  private value: BandsResult | null = null;
  private readonly ema: EmaStream;
  private readonly atr: AtrStream;

  constructor(
    period: number,
    private readonly multiplier: number,
    atrPeriod: number,
  ) {
    this.ema = new EmaStream(period);
    this.atr = new AtrStream(atrPeriod);
  }

  get result(): BandsResult | null {
    return this.value;
  }

  add(bar: BarInput): BandsResult | null {
    this.value = this.update(bar, false);
    return this.value;
  }

  replace(bar: BarInput): BandsResult | null {
    this.value = this.update(bar, true);
    return this.value;
  }

  reset(): void {
    this.value = null;
    this.clear();
  }

  private update(bar: BarInput, replacing: boolean): BandsResult | null {
    const middle = this.ema.update(bar.close, replacing);
    const atr = this.atr.update(bar.high, bar.low, bar.close, replacing);
    if (middle === null || atr === null) return null;
    const width = this.multiplier * atr;
    return { upper: middle + width, middle, lower: middle - width };
  }

  private clear(): void {
    this.ema.reset();
    this.atr.reset();
  }
}
