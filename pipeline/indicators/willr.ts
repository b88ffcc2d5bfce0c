import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { RollingExtreme } from './streams/rolling-extreme.js';

/** Williams %R as TA-Lib WILLR: −100 × (highest high − close) / (highest high − lowest low), 0 for a zero range. */
export class Willr implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private readonly highest: RollingExtreme;
  private readonly lowest: RollingExtreme;

  constructor(period: number) {
    this.highest = new RollingExtreme(period, 'highest');
    this.lowest = new RollingExtreme(period, 'lowest');
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
    const highest = this.highest.update(bar.high, replacing);
    const lowest = this.lowest.update(bar.low, replacing);
    if (highest === null || lowest === null) return null;
    const diff = (highest - lowest) / -100;
    return diff !== 0 ? (highest - bar.close) / diff : 0;
  }

  private clear(): void {
    this.highest.reset();
    this.lowest.reset();
  }
}
