import { BarIndicator, type BarInput, SINGLE_OUTPUT } from './indicator.js';
import { AtrStream } from './streams/atr-stream.js';
import { isTaLibZero } from './streams/ta-lib-math.js';

/** Normalised ATR: ATR / close × 100 (TA-Lib NATR; 0 for a zero close). */
export class Natr extends BarIndicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private readonly atr: AtrStream;

  constructor(period: number) {
    super();
    this.atr = new AtrStream(period);
  }

  protected update(bar: BarInput, replacing: boolean): number | null {
    const atr = this.atr.update(bar.high, bar.low, bar.close, replacing);
    if (atr === null) return null;
    return isTaLibZero(bar.close) ? 0 : (atr / bar.close) * 100;
  }

  protected clear(): void {
    this.atr.reset();
  }
}
