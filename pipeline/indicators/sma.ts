import { BarIndicator, type BarInput, SINGLE_OUTPUT } from './indicator.js';
import { SmaStream } from './streams/sma-stream.js';

/** Simple moving average of the close (TA-Lib SMA). */
export class Sma extends BarIndicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private readonly sma: SmaStream;

  constructor(period: number) {
    super();
    this.sma = new SmaStream(period);
  }

  protected update(bar: BarInput, replacing: boolean): number | null {
    return this.sma.update(bar.close, replacing);
  }

  protected clear(): void {
    this.sma.reset();
  }
}
