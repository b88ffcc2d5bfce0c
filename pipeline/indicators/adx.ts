import type { BarInput, Indicator } from './indicator.js';
import { isTaLibZero, trueRange } from './streams/ta-lib-math.js';

/** `adx` is absent until ADX is warm (bar 2·period − 1); ±DI are there from bar `period` on, as in TA-Lib. */
export type AdxResult =
  | { readonly adx: number; readonly plusDi: number; readonly minusDi: number }
  | { readonly plusDi: number; readonly minusDi: number };

/**
 * Average directional index with +DI/−DI, as TA-Lib ADX, PLUS_DI and MINUS_DI (unstable period 0): directional
 * movement and true range summed over `period − 1` bars, then Wilder-smoothed (`x − x/period + today`);
 * ADX = average of the first `period` DX values, then Wilder-smoothed. Each output appears on the bar TA-Lib's
 * own function first gives it: PLUS_DI/MINUS_DI from bar `period`, ADX from bar 2·period − 1.
 */
export class Adx implements Indicator<AdxResult> {
  static readonly outputNames: readonly string[] = Object.freeze(['adx', 'plusDi', 'minusDi']);
  readonly outputs = Adx.outputNames;
  private value: AdxResult | null = null;
  private count = 0;
  // State after the last bar, and the same state before it (base*), which `replace` starts from.
  private high = 0;
  private low = 0;
  private close = 0;
  private plusDm = 0;
  private minusDm = 0;
  private range = 0;
  private dxSum = 0;
  private adx = 0;
  private baseHigh = 0;
  private baseLow = 0;
  private baseClose = 0;
  private basePlusDm = 0;
  private baseMinusDm = 0;
  private baseRange = 0;
  private baseDxSum = 0;
  private baseAdx = 0;

  constructor(readonly period: number) {}

  get result(): AdxResult | null {
    return this.value;
  }

  add(bar: BarInput): AdxResult | null {
    this.value = this.update(bar, false);
    return this.value;
  }

  replace(bar: BarInput): AdxResult | null {
    this.value = this.update(bar, true);
    return this.value;
  }

  reset(): void {
    this.value = null;
    this.clear();
  }

  private update(bar: BarInput, replacing: boolean): AdxResult | null {
    if (!replacing || this.count === 0) this.settle();
    this.high = bar.high;
    this.low = bar.low;
    this.close = bar.close;
    if (this.count === 1) return null;
    const period = this.period;
    const up = bar.high - this.baseHigh;
    const down = this.baseLow - bar.low;
    let plusDm = this.basePlusDm;
    let minusDm = this.baseMinusDm;
    let range = this.baseRange;
    const bar1 = this.count - 1;
    if (bar1 >= period) {
      minusDm -= minusDm / period;
      plusDm -= plusDm / period;
    }
    if (down > 0 && up < down) minusDm += down;
    else if (up > 0 && up > down) plusDm += up;
    const tr = trueRange(bar.high, bar.low, this.baseClose);
    range = bar1 < period ? range + tr : range - range / period + tr;
    this.plusDm = plusDm;
    this.minusDm = minusDm;
    this.range = range;
    this.dxSum = this.baseDxSum;
    this.adx = this.baseAdx;
    if (bar1 < period) return null;

    let plusDi = 0;
    let minusDi = 0;
    let dx: number | null = null;
    if (!isTaLibZero(range)) {
      minusDi = 100 * (minusDm / range);
      plusDi = 100 * (plusDm / range);
      const diSum = minusDi + plusDi;
      if (!isTaLibZero(diSum)) dx = 100 * (Math.abs(minusDi - plusDi) / diSum);
    }
    if (bar1 < 2 * period) {
      if (dx !== null) this.dxSum = this.baseDxSum + dx;
      if (bar1 < 2 * period - 1) return { plusDi, minusDi };
      this.adx = this.dxSum / period;
    } else if (dx !== null) {
      this.adx = (this.baseAdx * (period - 1) + dx) / period;
    }
    return { adx: this.adx, plusDi, minusDi };
  }

  private settle(): void {
    this.count++;
    this.baseHigh = this.high;
    this.baseLow = this.low;
    this.baseClose = this.close;
    this.basePlusDm = this.plusDm;
    this.baseMinusDm = this.minusDm;
    this.baseRange = this.range;
    this.baseDxSum = this.dxSum;
    this.baseAdx = this.adx;
  }

  private clear(): void {
    this.count = 0;
    this.high = this.low = this.close = 0;
    this.plusDm = this.minusDm = this.range = this.dxSum = this.adx = 0;
    this.baseHigh = this.baseLow = this.baseClose = 0;
    this.basePlusDm = this.baseMinusDm = this.baseRange = this.baseDxSum = this.baseAdx = 0;
  }
}
