import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { EmaStream } from './streams/ema-stream.js';

/** Exponential moving average of the close, seeded with the SMA of the first `period` closes (TA-Lib EMA). */
export class Ema implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private readonly ema: EmaStream;

  constructor(period: number) {
    this.ema = new EmaStream(period);
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
    return this.ema.update(bar.close, replacing);
  }

  private clear(): void {
    this.ema.reset();
  }
}
