import type { BarInput, Indicator } from './indicator.js';
import type { StochResult } from './stoch.js';
import { stochasticPosition } from './stoch.js';
import { RollingExtreme } from './streams/rolling-extreme.js';
import { RsiStream } from './streams/rsi-stream.js';
import { SmaStream } from './streams/sma-stream.js';

/**
 * Stochastic RSI as TA-Lib STOCHRSI: the fast stochastic (STOCHF) of RSI(period) — %K over `fastK` RSI values,
 * %D = SMA(fastD) of %K.
 */
export class StochRsi implements Indicator<StochResult> {
  static readonly outputNames: readonly string[] = Object.freeze(['k', 'd']);
  readonly outputs = StochRsi.outputNames;
  private value: StochResult | null = null;
  private readonly rsi: RsiStream;
  private readonly highest: RollingExtreme;
  private readonly lowest: RollingExtreme;
  private readonly fastD: SmaStream;

  constructor(period: number, fastKPeriod: number, fastDPeriod: number) {
    this.rsi = new RsiStream(period);
    this.highest = new RollingExtreme(fastKPeriod, 'highest');
    this.lowest = new RollingExtreme(fastKPeriod, 'lowest');
    this.fastD = new SmaStream(fastDPeriod);
  }

  get result(): StochResult | null {
    return this.value;
  }

  add(bar: BarInput): StochResult | null {
    this.value = this.update(bar, false);
    return this.value;
  }

  replace(bar: BarInput): StochResult | null {
    this.value = this.update(bar, true);
    return this.value;
  }

  reset(): void {
    this.value = null;
    this.clear();
  }

  private update(bar: BarInput, replacing: boolean): StochResult | null {
    const rsi = this.rsi.update(bar.close, replacing);
    if (rsi === null) return null;
    const highest = this.highest.update(rsi, replacing);
    const lowest = this.lowest.update(rsi, replacing);
    if (highest === null || lowest === null) return null;
    const k = stochasticPosition(rsi, highest, lowest);
    const d = this.fastD.update(k, replacing);
    return d === null ? null : { k, d };
  }

  private clear(): void {
    this.rsi.reset();
    this.highest.reset();
    this.lowest.reset();
    this.fastD.reset();
  }
}
