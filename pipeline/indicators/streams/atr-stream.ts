import { trueRange } from './ta-lib-math.js';

/**
 * Wilder's average true range, as TA-Lib's ATR (unstable period 0): true ranges start at the second bar, the first
 * ATR is their plain average over `period` bars, then `atr = (atr × (period−1) + tr) / period`.
 */
export class AtrStream {
  private count = 0;
  private previousClose = 0;
  private basePreviousClose = 0;
  private atr = 0;
  private baseAtr = 0;

  constructor(readonly period: number) {}

  update(high: number, low: number, close: number, replacing: boolean): number | null {
    if (!replacing || this.count === 0) {
      this.count++;
      this.basePreviousClose = this.previousClose;
      this.baseAtr = this.atr;
    }
    this.previousClose = close;
    if (this.count === 1) return null;
    const range = trueRange(high, low, this.basePreviousClose);
    const ranges = this.count - 1;
    if (ranges < this.period) {
      this.atr = this.baseAtr + range;
      return null;
    }
    if (ranges === this.period) {
      this.atr = (this.baseAtr + range) / this.period;
    } else {
      let atr = this.baseAtr * (this.period - 1);
      atr += range;
      this.atr = atr / this.period;
    }
    return this.atr;
  }

  reset(): void {
    this.count = 0;
    this.previousClose = this.basePreviousClose = 0;
    this.atr = this.baseAtr = 0;
  }
}
