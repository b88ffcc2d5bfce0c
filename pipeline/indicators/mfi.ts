import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { typicalPrice } from './streams/ta-lib-math.js';

/**
 * Money flow index as TA-Lib MFI: typical price × volume counted as positive or negative flow by the direction of
 * the typical price, summed over `period` bars; MFI = 100 × positive / (positive + negative). Like TA-Lib it
 * reads 0 when the total flow is below 1.0 (a quirk that matters only for tiny prices × volumes).
 */
export class Mfi implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private readonly positiveFlows: Float64Array;
  private readonly negativeFlows: Float64Array;
  private count = 0;
  private slot = -1;
  private typical = 0;
  private baseTypical = 0;
  private positive = 0;
  private basePositive = 0;
  private negative = 0;
  private baseNegative = 0;
  private leavingPositive = 0;
  private leavingNegative = 0;

  constructor(readonly period: number) {
    this.positiveFlows = new Float64Array(period);
    this.negativeFlows = new Float64Array(period);
  }

  get result(): number | null {
    return this.value;
  }

  add(bar: BarInput): number | null {
    this.value = this.update(bar, false);
    return this.value;
  }

  replace(bar: BarInput): number | null {
    this.value = this.update(bar, true);
    return this.value;
  }

  reset(): void {
    this.value = null;
    this.clear();
  }

  private update(bar: BarInput, replacing: boolean): number | null {
    if (!replacing || this.count === 0) this.settle();
    const typical = typicalPrice(bar.high, bar.low, bar.close);
    this.typical = typical;
    if (this.count === 1) return null;
    const flows = this.count - 1;
    let positive = this.basePositive;
    let negative = this.baseNegative;
    if (flows > this.period) {
      positive -= this.leavingPositive;
      negative -= this.leavingNegative;
    }
    const change = typical - this.baseTypical;
    const flow = typical * bar.volume;
    let positiveFlow = 0;
    let negativeFlow = 0;
    if (change < 0) {
      negativeFlow = flow;
      negative += flow;
    } else if (change > 0) {
      positiveFlow = flow;
      positive += flow;
    }
    this.positiveFlows[this.slot] = positiveFlow;
    this.negativeFlows[this.slot] = negativeFlow;
    this.positive = positive;
    this.negative = negative;
    if (flows < this.period) return null;
    const total = positive + negative;
    return total < 1 ? 0 : 100 * (positive / total);
  }

  private settle(): void {
    this.count++;
    this.baseTypical = this.typical;
    this.basePositive = this.positive;
    this.baseNegative = this.negative;
    if (this.count === 1) return;
    // One slot per flow (bars 1, 2, …); the slot about to be reused holds the flow leaving the window.
    this.slot = this.slot + 1 === this.period ? 0 : this.slot + 1;
    this.leavingPositive = this.positiveFlows[this.slot] ?? 0;
    this.leavingNegative = this.negativeFlows[this.slot] ?? 0;
  }

  private clear(): void {
    this.count = 0;
    this.slot = -1;
    this.typical = this.baseTypical = 0;
    this.positive = this.basePositive = 0;
    this.negative = this.baseNegative = 0;
    this.leavingPositive = this.leavingNegative = 0;
    this.positiveFlows.fill(0);
    this.negativeFlows.fill(0);
  }
}
