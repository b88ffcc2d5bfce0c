import { BarIndicator, type BarInput, SINGLE_OUTPUT } from './indicator.js';
import { AtrStream } from './streams/atr-stream.js';

/** Wilder's average true range (TA-Lib ATR). */
export class Atr extends BarIndicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private readonly atr: AtrStream;

  constructor(period: number) {
    super();
    this.atr = new AtrStream(period);
  }

  protected update(bar: BarInput, replacing: boolean): number | null {
    return this.atr.update(bar.high, bar.low, bar.close, replacing);
  }

  protected clear(): void {
    this.atr.reset();
  }
}
