/**
 * Exponential moving average over a number stream, as TA-Lib's INT_EMA with default compatibility: seeded with the
 * plain average of the first `period` values, then `ema += (value − ema) × 2/(period+1)`.
 * `skip` ignores that many leading values: TA-Lib's MACD seeds its fast EMA on the values that end where the slow
 * EMA's seed ends.
 */
export class EmaStream {
  private readonly k: number;
  private count = 0;
  private seedTotal = 0;
  private baseSeedTotal = 0;
  private ema = 0;
  private baseEma = 0;

  constructor(
    readonly period: number,
    private readonly skip = 0,
  ) {
    this.k = 2 / (period + 1);
  }

  update(value: number, replacing: boolean): number | null {
    if (!replacing || this.count === 0) {
      this.count++;
      this.baseSeedTotal = this.seedTotal;
      this.baseEma = this.ema;
    }
    const seen = this.count - this.skip;
    if (seen < this.period) {
      if (seen > 0) this.seedTotal = this.baseSeedTotal + value;
      return null;
    }
    this.ema =
      seen === this.period
        ? (this.baseSeedTotal + value) / this.period
        : (value - this.baseEma) * this.k + this.baseEma;
    return this.ema;
  }

  reset(): void {
    this.count = 0;
    this.seedTotal = 0;
    this.baseSeedTotal = 0;
    this.ema = 0;
    this.baseEma = 0;
  }
}
