import type { BarInput, Indicator } from './indicator.js';
import { RollingExtreme } from './streams/rolling-extreme.js';
import { SmaStream } from './streams/sma-stream.js';

export type StochResult = { readonly k: number; readonly d: number };

/**
 * Slow stochastic as TA-Lib STOCH with SMA smoothing: fast %K = 100 × (close − lowest low) / (highest high − lowest
 * low) over `fastK` bars (0 for a zero range), %K = SMA(slowK) of fast %K, %D = SMA(slowD) of %K.
 */
export class Stoch implements Indicator<StochResult> {
  static readonly outputNames: readonly string[] = Object.freeze(['k', 'd']);
  readonly outputs = Stoch.outputNames;
  private value: StochResult | null = null;
  private readonly highest: RollingExtreme;
  private readonly lowest: RollingExtreme;
  private readonly slowK: SmaStream;
  private readonly slowD: SmaStream;

  constructor(fastKPeriod: number, slowKPeriod: number, slowDPeriod: number) {
    this.highest = new RollingExtreme(fastKPeriod, 'highest');
    this.lowest = new RollingExtreme(fastKPeriod, 'lowest');
    this.slowK = new SmaStream(slowKPeriod);
    this.slowD = new SmaStream(slowDPeriod);
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
    const highest = this.highest.update(bar.high, replacing);
    const lowest = this.lowest.update(bar.low, replacing);
    if (highest === null || lowest === null) return null;
    const fastK = stochasticPosition(bar.close, highest, lowest);
    const k = this.slowK.update(fastK, replacing);
    if (k === null) return null;
    const d = this.slowD.update(k, replacing);
    return d === null ? null : { k, d };
  }

  private clear(): void {
    this.highest.reset();
    this.lowest.reset();
    this.slowK.reset();
    this.slowD.reset();
  }
}

/** Where `value` sits in [lowest, highest], 0…100, in TA-Lib's arithmetic; 0 when the range is empty. */
export function stochasticPosition(value: number, highest: number, lowest: number): number {
  const diff = (highest - lowest) / 100;
  return diff !== 0 ? (value - lowest) / diff : 0;
}
