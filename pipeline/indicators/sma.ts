import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { SmaStream } from './streams/sma-stream.js';

/** Simple moving average of the close (TA-Lib SMA). */
export class Sma implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private readonly sma: SmaStream;

  constructor(period: number) {
    this.sma = new SmaStream(period);
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
    return this.sma.update(bar.close, replacing);
  }

  private clear(): void {
    this.sma.reset();
  }
}
