import type { BandsResult } from './bbands.js';
import { BarIndicator, type BarInput } from './indicator.js';
import { RollingExtreme } from './streams/rolling-extreme.js';

/**
 * Donchian channel over `period` bars including the current one: upper = highest high, lower = lowest low,
 * middle = their mean (Donchian's definition as StockCharts and TradingView's `DC` chart it).
 */
export class Donchian extends BarIndicator<BandsResult> {
  static readonly outputNames: readonly string[] = Object.freeze(['upper', 'middle', 'lower']);
  readonly outputs = Donchian.outputNames;
  private readonly highest: RollingExtreme;
  private readonly lowest: RollingExtreme;

  constructor(period: number) {
    super();
    this.highest = new RollingExtreme(period, 'highest');
    this.lowest = new RollingExtreme(period, 'lowest');
  }

  protected update(bar: BarInput, replacing: boolean): BandsResult | null {
    const upper = this.highest.update(bar.high, replacing);
    const lower = this.lowest.update(bar.low, replacing);
    if (upper === null || lower === null) return null;
    return { upper, middle: (upper + lower) / 2, lower };
  }

  protected clear(): void {
    this.highest.reset();
    this.lowest.reset();
  }
}
