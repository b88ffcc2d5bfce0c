import { BarIndicator, type BarInput, SINGLE_OUTPUT } from './indicator.js';
import { EmaStream } from './streams/ema-stream.js';

/** Double EMA of the close: 2·EMA − EMA(EMA), each EMA seeded as TA-Lib does (TA-Lib DEMA). */
export class Dema extends BarIndicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private readonly ema: EmaStream;
  private readonly emaOfEma: EmaStream;

  constructor(period: number) {
    super();
    this.ema = new EmaStream(period);
    this.emaOfEma = new EmaStream(period);
  }

  protected update(bar: BarInput, replacing: boolean): number | null {
    const ema = this.ema.update(bar.close, replacing);
    if (ema === null) return null;
    const emaOfEma = this.emaOfEma.update(ema, replacing);
    return emaOfEma === null ? null : 2 * ema - emaOfEma;
  }

  protected clear(): void {
    this.ema.reset();
    this.emaOfEma.reset();
  }
}
