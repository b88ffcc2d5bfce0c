/**
 * Simple moving average over a number stream, as TA-Lib's INT_SMA: one running total, the new value added before
 * dividing and the oldest subtracted after, so the rounding matches TA-Lib's exactly.
 */
export class SmaStream {
  private readonly window: Float64Array;
  private count = 0;
  private slot = -1;
  private total = 0;
  private baseTotal = 0;

  constructor(readonly period: number) {
    this.window = new Float64Array(period);
  }

  update(value: number, replacing: boolean): number | null {
    if (!replacing || this.count === 0) {
      this.count++;
      this.baseTotal = this.total;
      this.slot = this.slot + 1 === this.period ? 0 : this.slot + 1;
    }
    this.window[this.slot] = value;
    const total = this.baseTotal + value;
    if (this.count < this.period) {
      this.total = total;
      return null;
    }
    const oldestSlot = this.slot + 1 === this.period ? 0 : this.slot + 1;
    this.total = total - (this.window[oldestSlot] ?? 0);
    return total / this.period;
  }

  reset(): void {
    this.count = 0;
    this.slot = -1;
    this.total = 0;
    this.baseTotal = 0;
  }
}
