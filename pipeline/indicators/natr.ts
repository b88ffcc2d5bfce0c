import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { AtrStream } from './streams/atr-stream.js';
import { isTaLibZero } from './streams/ta-lib-math.js';

/** Normalised ATR: ATR / close × 100 (TA-Lib NATR; 0 for a zero close). */
export class Natr implements Indicator<number> {
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
    const atr = this.atr.update(bar.high, bar.low, bar.close, replacing);
    if (atr === null) return null;
    return isTaLibZero(bar.close) ? 0 : (atr / bar.close) * 100;
  }

  private clear(): void {
    this.atr.reset();
  }
}
