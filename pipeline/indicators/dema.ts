import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { EmaStream } from './streams/ema-stream.js';

/** Double EMA of the close: 2·EMA − EMA(EMA), each EMA seeded as TA-Lib does (TA-Lib DEMA). */
export class Dema implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private readonly ema: EmaStream;
  private readonly emaOfEma: EmaStream;

  constructor(period: number) {
    this.ema = new EmaStream(period);
    this.emaOfEma = new EmaStream(period);
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
    const ema = this.ema.update(bar.close, replacing);
    if (ema === null) return null;
    const emaOfEma = this.emaOfEma.update(ema, replacing);
    return emaOfEma === null ? null : 2 * ema - emaOfEma;
  }

  private clear(): void {
    this.ema.reset();
    this.emaOfEma.reset();
  }
}
