import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { typicalPrice } from './streams/ta-lib-math.js';

/**
 * Commodity channel index as TA-Lib CCI: (typical price − its SMA) / (0.015 × mean absolute deviation), 0 when
 * either is zero. The mean deviation is around the current mean, so it is summed over the window on every update
 * (O(period)): no running form exists, and TA-Lib's summation order is kept so values match bit for bit.
 */
export class Cci implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private readonly window: Float64Array;
  private count = 0;
  private slot = -1;

  constructor(readonly period: number) {
    this.window = new Float64Array(period);
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
    if (!replacing || this.count === 0) {
      this.count++;
      this.slot = this.slot + 1 === this.period ? 0 : this.slot + 1;
    }
    const last = typicalPrice(bar.high, bar.low, bar.close);
    this.window[this.slot] = last;
    if (this.count < this.period) return null;
    const window = this.window;
    let average = 0;
    for (let j = 0; j < window.length; j++) average += window[j] ?? 0;
    average /= this.period;
    let deviation = 0;
    for (let j = 0; j < window.length; j++) deviation += Math.abs((window[j] ?? 0) - average);
    const distance = last - average;
    return distance !== 0 && deviation !== 0 ? distance / (0.015 * (deviation / this.period)) : 0;
  }

  private clear(): void {
    this.count = 0;
    this.slot = -1;
  }
}
