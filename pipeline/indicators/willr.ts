import { BarIndicator, type BarInput, SINGLE_OUTPUT } from './indicator.js';
import { RollingExtreme } from './streams/rolling-extreme.js';

/** Williams %R as TA-Lib WILLR: −100 × (highest high − close) / (highest high − lowest low), 0 for a zero range. */
export class Willr extends BarIndicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private readonly highest: RollingExtreme;
  private readonly lowest: RollingExtreme;

  constructor(period: number) {
    super();
    this.highest = new RollingExtreme(period, 'highest');
    this.lowest = new RollingExtreme(period, 'lowest');
  }

  protected update(bar: BarInput, replacing: boolean): number | null {
    const highest = this.highest.update(bar.high, replacing);
    const lowest = this.lowest.update(bar.low, replacing);
    if (highest === null || lowest === null) return null;
    const diff = (highest - lowest) / -100;
    return diff !== 0 ? (highest - bar.close) / diff : 0;
  }

  protected clear(): void {
    this.highest.reset();
    this.lowest.reset();
  }
}
