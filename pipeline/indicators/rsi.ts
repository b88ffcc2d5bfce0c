import { BarIndicator, type BarInput, SINGLE_OUTPUT } from './indicator.js';
import { RsiStream } from './streams/rsi-stream.js';

/** Wilder's relative strength index of the close (TA-Lib RSI), 0…100. */
export class Rsi extends BarIndicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private readonly rsi: RsiStream;

  constructor(period: number) {
    super();
    this.rsi = new RsiStream(period);
  }

  protected update(bar: BarInput, replacing: boolean): number | null {
    return this.rsi.update(bar.close, replacing);
  }

  protected clear(): void {
    this.rsi.reset();
  }
}
