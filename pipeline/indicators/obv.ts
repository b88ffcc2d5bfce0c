import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';

/** On-balance volume as TA-Lib OBV: starts at the first bar's volume, then ± volume as the close rises or falls. */
export class Obv implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private count = 0;
  private close = 0;
  private baseClose = 0;
  private obv = 0;
  private baseObv = 0;

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

  private update(bar: BarInput, replacing: boolean): number {
    if (!replacing || this.count === 0) {
      this.count++;
      this.baseClose = this.close;
      this.baseObv = this.obv;
    }
    this.close = bar.close;
    if (this.count === 1) this.obv = bar.volume;
    else if (bar.close > this.baseClose) this.obv = this.baseObv + bar.volume;
    else if (bar.close < this.baseClose) this.obv = this.baseObv - bar.volume;
    else this.obv = this.baseObv;
    return this.obv;
  }

  private clear(): void {
    this.count = 0;
    this.close = this.baseClose = 0;
    this.obv = this.baseObv = 0;
  }
}
