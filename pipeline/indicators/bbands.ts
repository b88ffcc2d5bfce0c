import type { BarInput, Indicator } from './indicator.js';
import { SmaStream } from './streams/sma-stream.js';
import { TA_EPSILON } from './streams/ta-lib-math.js';

export type BandsResult = { readonly upper: number; readonly middle: number; readonly lower: number };

/**
 * Bollinger Bands of the close as TA-Lib BBANDS with an SMA: middle = SMA, bands = middle ± k × population standard
 * deviation, computed as √(mean of squares − square of mean) with TA-Lib's running sums (0 below TA_EPSILON).
 */
export class Bbands implements Indicator<BandsResult> {
  static readonly outputNames: readonly string[] = Object.freeze(['upper', 'middle', 'lower']);
  readonly outputs = Bbands.outputNames;
  private value: BandsResult | null = null;
  private readonly mean: SmaStream;
  private readonly meanOfSquares: SmaStream;

  constructor(
    period: number,
    private readonly deviations: number,
  ) {
    this.mean = new SmaStream(period);
    this.meanOfSquares = new SmaStream(period);
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
    const middle = this.mean.update(bar.close, replacing);
    const meanOfSquares = this.meanOfSquares.update(bar.close * bar.close, replacing);
    if (middle === null || meanOfSquares === null) return null;
    const variance = meanOfSquares - middle * middle;
    const width = (variance < TA_EPSILON ? 0 : Math.sqrt(variance)) * this.deviations;
    return { upper: middle + width, middle, lower: middle - width };
  }

  private clear(): void {
    this.mean.reset();
    this.meanOfSquares.reset();
  }
}
