import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { RsiStream } from './streams/rsi-stream.js';

/** Wilder's relative strength index of the close (TA-Lib RSI), 0…100. */
export class Rsi implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private readonly rsi: RsiStream;

  constructor(period: number) {
    this.rsi = new RsiStream(period);
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
    return this.rsi.update(bar.close, replacing);
  }

  private clear(): void {
    this.rsi.reset();
  }
}
