import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';

/**
 * Linearly weighted moving average of the close (weights 1…period, newest heaviest), with TA-Lib WMA's running
 * weighted sum and plain sum so the rounding matches.
 */
export class Wma implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private readonly window: Float64Array;
  private readonly divider: number;
  private count = 0;
  private slot = -1;
  private weightedSum = 0;
  private baseWeightedSum = 0;
  private plainSum = 0;
  private basePlainSum = 0;
  private trailing = 0;
  private baseTrailing = 0;

  constructor(readonly period: number) {
    this.window = new Float64Array(period);
    this.divider = (period * (period + 1)) / 2;
  }

  get result(): number | null {
    return this.value;
  }

  add(bar: BarInput): number | null {
    this.value = this.update(bar, false);
    return this.value;
  }

  replace(bar: BarInput): number | null {
    this.value = this.update(bar, true);
    return this.value;
  }

  reset(): void {
    this.value = null;
    this.clear();
  }

  private update(bar: BarInput, replacing: boolean): number | null {
    const value = bar.close;
    if (!replacing || this.count === 0) {
      this.count++;
      this.slot = this.slot + 1 === this.period ? 0 : this.slot + 1;
      this.baseWeightedSum = this.weightedSum;
      this.basePlainSum = this.plainSum;
      this.baseTrailing = this.trailing;
    }
    this.window[this.slot] = value;
    if (this.count < this.period) {
      this.plainSum = this.basePlainSum + value;
      this.weightedSum = this.baseWeightedSum + value * this.count;
      return null;
    }
    let plainSum = this.basePlainSum + value;
    plainSum -= this.baseTrailing;
    const weightedSum = this.baseWeightedSum + value * this.period;
    this.trailing = this.window[this.slot + 1 === this.period ? 0 : this.slot + 1] ?? 0;
    this.plainSum = plainSum;
    this.weightedSum = weightedSum - plainSum;
    return weightedSum / this.divider;
  }

  private clear(): void {
    this.count = 0;
    this.slot = -1;
    this.weightedSum = this.baseWeightedSum = 0;
    this.plainSum = this.basePlainSum = 0;
    this.trailing = this.baseTrailing = 0;
  }
}
