import { isTaLibZero } from './ta-lib-math.js';

/**
 * Wilder's RSI over a number stream, as TA-Lib's RSI (unstable period 0): the first `period` changes are averaged,
 * then `avg = (avg × (period−1) + change) / period`; RSI = 100 × gain / (gain + loss), 0 when both are zero.
 */
export class RsiStream {
  private count = 0;
  private previous = 0;
  private basePrevious = 0;
  private gain = 0;
  private baseGain = 0;
  private loss = 0;
  private baseLoss = 0;

  constructor(readonly period: number) {}

  update(value: number, replacing: boolean): number | null {
    if (!replacing || this.count === 0) {
      this.count++;
      this.basePrevious = this.previous;
      this.baseGain = this.gain;
      this.baseLoss = this.loss;
    }
    this.previous = value;
    if (this.count === 1) return null;
    const change = value - this.basePrevious;
    let gain = this.baseGain;
    let loss = this.baseLoss;
    const changes = this.count - 1;
    if (changes <= this.period) {
      if (change < 0) loss -= change;
      else gain += change;
      this.gain = gain;
      this.loss = loss;
      if (changes < this.period) return null;
      gain /= this.period;
      loss /= this.period;
    } else {
      loss *= this.period - 1;
      gain *= this.period - 1;
      if (change < 0) loss -= change;
      else gain += change;
      loss /= this.period;
      gain /= this.period;
    }
    this.gain = gain;
    this.loss = loss;
    const sum = gain + loss;
    return isTaLibZero(sum) ? 0 : 100 * (gain / sum);
  }

  reset(): void {
    this.count = 0;
    this.previous = this.basePrevious = 0;
    this.gain = this.baseGain = 0;
    this.loss = this.baseLoss = 0;
  }
}
