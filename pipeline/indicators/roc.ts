import { BarIndicator, type BarInput, SINGLE_OUTPUT } from './indicator.js';

/** Rate of change of the close over `period` bars, in percent: (close / close[period] − 1) × 100 (TA-Lib ROC). */
export class Roc extends BarIndicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  // period + 1 closes: the current one and the one `period` bars back.
  private readonly closes: Float64Array;
  private count = 0;
  private slot = -1;

  constructor(readonly period: number) {
    super();
    this.closes = new Float64Array(period + 1);
  }

  protected update(bar: BarInput, replacing: boolean): number | null {
    const size = this.closes.length;
    if (!replacing) {
      this.count++;
      this.slot = this.slot + 1 === size ? 0 : this.slot + 1;
    }
    this.closes[this.slot] = bar.close;
    if (this.count <= this.period) return null;
    const past = this.closes[this.slot + 1 === size ? 0 : this.slot + 1] ?? 0;
    return past !== 0 ? (bar.close / past - 1) * 100 : 0;
  }

  protected clear(): void {
    this.count = 0;
    this.slot = -1;
  }
}
