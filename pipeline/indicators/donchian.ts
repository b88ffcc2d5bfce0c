import type { BandsResult } from './bbands.js';
import type { BarInput, Indicator } from './indicator.js';
import { RollingExtreme } from './streams/rolling-extreme.js';

/**
 * Donchian channel over `period` bars including the current one: upper = highest high, lower = lowest low,
 * middle = their mean (Donchian's definition as StockCharts and TradingView's `DC` chart it).
 */
export class Donchian implements Indicator<BandsResult> {
  static readonly outputNames: readonly string[] = Object.freeze(['upper', 'middle', 'lower']);
  readonly outputs = Donchian.outputNames;
  private value: BandsResult | null = null;
  private readonly highest: RollingExtreme;
  private readonly lowest: RollingExtreme;

  constructor(period: number) {
    this.highest = new RollingExtreme(period, 'highest');
    this.lowest = new RollingExtreme(period, 'lowest');
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
    const upper = this.highest.update(bar.high, replacing);
    const lower = this.lowest.update(bar.low, replacing);
    if (upper === null || lower === null) return null;
    return { upper, middle: (upper + lower) / 2, lower };
  }

  private clear(): void {
    this.highest.reset();
    this.lowest.reset();
  }
}
