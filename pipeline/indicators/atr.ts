import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { AtrStream } from './streams/atr-stream.js';

/** Wilder's average true range (TA-Lib ATR). */
export class Atr implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private readonly atr: AtrStream;

  constructor(period: number) {
    this.atr = new AtrStream(period);
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
    return this.atr.update(bar.high, bar.low, bar.close, replacing);
  }

  private clear(): void {
    this.atr.reset();
  }
}
