import { BarIndicator, type BarInput } from './indicator.js';
import { EmaStream } from './streams/ema-stream.js';

export type MacdResult = { readonly macd: number; readonly signal: number; readonly hist: number };

/**
 * MACD as TA-Lib computes it: fast EMA − slow EMA, where the fast EMA is seeded on the `fast` closes that end with
 * the slow EMA's seed (so both start on the same bar); signal = EMA of MACD; hist = MACD − signal.
 */
export class Macd extends BarIndicator<MacdResult> {
  static readonly outputNames: readonly string[] = Object.freeze(['macd', 'signal', 'hist']);
  readonly outputs = Macd.outputNames;
  private readonly fast: EmaStream;
  private readonly slow: EmaStream;
  private readonly signal: EmaStream;

  constructor(fastPeriod: number, slowPeriod: number, signalPeriod: number) {
    super();
    this.fast = new EmaStream(fastPeriod, slowPeriod - fastPeriod);
    this.slow = new EmaStream(slowPeriod);
    this.signal = new EmaStream(signalPeriod);
  }

  protected update(bar: BarInput, replacing: boolean): MacdResult | null {
    const fast = this.fast.update(bar.close, replacing);
    const slow = this.slow.update(bar.close, replacing);
    if (fast === null || slow === null) return null;
    const macd = fast - slow;
    const signal = this.signal.update(macd, replacing);
    return signal === null ? null : { macd, signal, hist: macd - signal };
  }

  protected clear(): void {
    this.fast.reset();
    this.slow.reset();
    this.signal.reset();
  }
}
