import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { EmaStream } from './streams/ema-stream.js';

/** Triple EMA of the close: EMA3 + 3·EMA1 − 3·EMA2, in TA-Lib TEMA's order of operations. */
export class Tema implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private readonly ema1: EmaStream;
  private readonly ema2: EmaStream;
  private readonly ema3: EmaStream;

  constructor(period: number) {
    this.ema1 = new EmaStream(period);
    this.ema2 = new EmaStream(period);
    this.ema3 = new EmaStream(period);
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
    const ema1 = this.ema1.update(bar.close, replacing);
    if (ema1 === null) return null;
    const ema2 = this.ema2.update(ema1, replacing);
    if (ema2 === null) return null;
    const ema3 = this.ema3.update(ema2, replacing);
    return ema3 === null ? null : ema3 + (3 * ema1 - 3 * ema2);
  }

  private clear(): void {
    this.ema1.reset();
    this.ema2.reset();
    this.ema3.reset();
  }
}
