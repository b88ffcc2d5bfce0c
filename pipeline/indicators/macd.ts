import type { BarInput, Indicator } from './indicator.js';
import { EmaStream } from './streams/ema-stream.js';

export type MacdResult = { readonly macd: number; readonly signal: number; readonly hist: number };

/**
 * MACD as TA-Lib computes it: fast EMA − slow EMA, where the fast EMA is seeded on the `fast` closes that end with
 * the slow EMA's seed (so both start on the same bar); signal = EMA of MACD; hist = MACD − signal.
 */
export class Macd implements Indicator<MacdResult> {
  static readonly outputNames: readonly string[] = Object.freeze(['macd', 'signal', 'hist']);
  readonly outputs = Macd.outputNames;
  private value: MacdResult | null = null;
  private readonly fast: EmaStream;
  private readonly slow: EmaStream;
  private readonly signal: EmaStream;

  constructor(fastPeriod: number, slowPeriod: number, signalPeriod: number) {
    this.fast = new EmaStream(fastPeriod, slowPeriod - fastPeriod);
    this.slow = new EmaStream(slowPeriod);
    this.signal = new EmaStream(signalPeriod);
  }

  get result(): MacdResult | null {
    return this.value;
  }

  add(bar: BarInput): MacdResult | null {
    this.value = this.update(bar, false);
    return this.value;
  }

  replace(bar: BarInput): MacdResult | null {
    this.value = this.update(bar, true);
    return this.value;
  }

  reset(): void {
    this.value = null;
    this.clear();
  }

  private update(bar: BarInput, replacing: boolean): MacdResult | null {
    const fast = this.fast.update(bar.close, replacing);
    const slow = this.slow.update(bar.close, replacing);
    if (fast === null || slow === null) return null;
    const macd = fast - slow;
    const signal = this.signal.update(macd, replacing);
    return signal === null ? null : { macd, signal, hist: macd - signal };
  }

  private clear(): void {
    this.fast.reset();
    this.slow.reset();
    this.signal.reset();
  }
}
