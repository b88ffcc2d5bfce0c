import { BarIndicator, type BarInput, SINGLE_OUTPUT } from './indicator.js';
import { EmaStream } from './streams/ema-stream.js';

/** Exponential moving average of the close, seeded with the SMA of the first `period` closes (TA-Lib EMA). */
export class Ema extends BarIndicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private readonly ema: EmaStream;

  constructor(period: number) {
    super();
    this.ema = new EmaStream(period);
  }

  protected update(bar: BarInput, replacing: boolean): number | null {
    return this.ema.update(bar.close, replacing);
  }

  protected clear(): void {
    this.ema.reset();
  }
}
