import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';

/** Rate of change of the close over `period` bars, in percent: (close / close[period] − 1) × 100 (TA-Lib ROC). */
export class Roc implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  // period + 1 closes: the current one and the one `period` bars back.
  private readonly closes: Float64Array;
  private count = 0;
  private slot = -1;

  constructor(readonly period: number) {
    this.closes = new Float64Array(period + 1);
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
    const size = this.closes.length;
    if (!replacing || this.count === 0) {
      this.count++;
      this.slot = this.slot + 1 === size ? 0 : this.slot + 1;
    }
    this.closes[this.slot] = bar.close;
    if (this.count <= this.period) return null;
    const past = this.closes[this.slot + 1 === size ? 0 : this.slot + 1] ?? 0;
    return past !== 0 ? (bar.close / past - 1) * 100 : 0;
  }

  private clear(): void {
    this.count = 0;
    this.slot = -1;
  }
}
