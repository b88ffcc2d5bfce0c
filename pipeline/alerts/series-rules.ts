import type { AlertOperator, AlertThreshold } from '../../schemas/alert-rule.js';
import type { RuleRuntime } from './rule-runtime.js';
import { seriesOf } from './series-point.js';
import type { ThresholdValues } from './template.js';

/*
 * Rules whose condition compares the source with another series (a threshold, or a channel edge, that is a
 * series of the same symbol and interval). They are grouped per (symbol or *, interval, source, thresholds):
 * every rule of a group compares the same values, so an evaluation costs one comparison per group and then
 * visits only the rules whose operator holds. Semantics are TradingView's `ta.crossover(a, b)`: `a > b` now
 * and `a <= b` at the previous evaluation of the same mode (intrabar: the previous bar update; bar close: the
 * previous final bar), both series warm then and now (NaN, not warm, never compares).
 *
 *   crossing_up    a > b  and previous a ≤ b        greater_than    a > b
 *   crossing_down  a < b  and previous a ≥ b        less_than       a < b
 *   crossing       either
 *   inside_channel  lower ≤ a ≤ upper              entering_channel  previous outside, now inside
 *   outside_channel a < lower or a > upper         exiting_channel   previous inside, now outside
 */

/** A threshold as a group reads it: the name of a series, or a number (a channel may mix the two). */
export type Operand = { readonly series: string } | { readonly constant: number };

/** The current value of one series in a frame, written by the composition before each evaluation. */
export interface FrameCell {
  value: number;
}

/** What one venue:symbol remembers in one group: the values of its last evaluation per mode. */
export interface GroupInstance {
  readonly venue: string;
  readonly symbol: string;
  readonly instanceKey: string;
  /** source, first and second operand at the last intrabar evaluation (NaN: none or not warm) */
  readonly last: Float64Array;
  /** the same at the last bar-final evaluation */
  readonly lastFinal: Float64Array;
  /** bar sequence (FrameContext.barSeq) of the last bar-final evaluation */
  lastFinalSeq: number;
}

const operandOf = (threshold: AlertThreshold): Operand =>
  typeof threshold === 'number' ? { constant: threshold } : { series: seriesOf(threshold) };
const operandKey = (operand: Operand): string =>
  'series' in operand ? operand.series : `#${operand.constant}`;

/** Rules of one group in one mode, by operator. */
class OperatorBuckets {
  readonly #byOperator = new Map<AlertOperator, RuleRuntime[]>();
  /** the operator bits of the rules held, so a comparison that concerns none of them stops there */
  mask = 0;

  get size(): number {
    let size = 0;
    for (const list of this.#byOperator.values()) size += list.length;
    return size;
  }

  add(runtime: RuleRuntime): void {
    const operator = runtime.rule.condition.operator;
    const list = this.#byOperator.get(operator);
    if (list) list.push(runtime);
    else this.#byOperator.set(operator, [runtime]);
    this.#refreshMask();
  }

  #refreshMask(): void {
    this.mask = 0;
    for (const operator of this.#byOperator.keys()) this.mask |= operatorBits[operator];
  }

  remove(runtime: RuleRuntime): void {
    const operator = runtime.rule.condition.operator;
    const list = this.#byOperator.get(operator);
    const index = list?.indexOf(runtime) ?? -1;
    if (!list || index < 0) return;
    list.splice(index, 1);
    if (list.length === 0) this.#byOperator.delete(operator);
    this.#refreshMask();
  }

  /** The rules of an operator (an empty list when none). */
  rules(operator: AlertOperator): readonly RuleRuntime[] {
    return this.#byOperator.get(operator) ?? NONE;
  }
}

const NONE: readonly RuleRuntime[] = Object.freeze([]);

/** Which operators hold for one comparison (bit per operator). */
const CROSSING_UP = 1;
const CROSSING_DOWN = 2;
const GREATER = 4;
const LESS = 8;
const INSIDE = 16;
const OUTSIDE = 32;
const ENTERING = 64;
const EXITING = 128;

const operatorBits: Record<AlertOperator, number> = {
  crossing: CROSSING_UP | CROSSING_DOWN,
  crossing_up: CROSSING_UP,
  crossing_down: CROSSING_DOWN,
  greater_than: GREATER,
  less_than: LESS,
  inside_channel: INSIDE,
  outside_channel: OUTSIDE,
  entering_channel: ENTERING,
  exiting_channel: EXITING,
  moving_up: 0,
  moving_down: 0,
  moving_up_percent: 0,
  moving_down_percent: 0,
};
const PAIR_OPERATORS: readonly AlertOperator[] = [
  'crossing',
  'crossing_up',
  'crossing_down',
  'greater_than',
  'less_than',
];
const CHANNEL_OPERATORS: readonly AlertOperator[] = [
  'entering_channel',
  'exiting_channel',
  'inside_channel',
  'outside_channel',
];

/*
 * pairBits and channelBits write the bits above as literals: per module (as tsx runs the code) V8 folds a
 * literal, where a module's constant is loaded and checked at each use (bench/README.md, Issue #17, per-tick
 * instructions); series-groups.test.ts fires every operator on series thresholds.
 */

/** What holds for a source `a` against `b` now, coming from `pa` against `pb`. */
export function pairBits(a: number, b: number, pa: number, pb: number): number {
  // GREATER 4, CROSSING_UP 1, LESS 8, CROSSING_DOWN 2
  let bits = 0;
  if (a > b) bits |= 4 | (pa <= pb ? 1 : 0);
  else if (a < b) bits |= 8 | (pa >= pb ? 2 : 0);
  return bits;
}

/** What holds for a source `a` against the channel [lower, upper] now, coming from `pa` in [pl, pu]. */
export function channelBits(
  a: number,
  lower: number,
  upper: number,
  pa: number,
  pl: number,
  pu: number,
): number {
  const inside = lower <= a && a <= upper;
  const outside = a < lower || a > upper;
  const wasInside = pl <= pa && pa <= pu;
  const wasOutside = pa < pl || pa > pu;
  // INSIDE 16, OUTSIDE 32, ENTERING 64, EXITING 128
  return (
    (inside ? 16 : 0) |
    (outside ? 32 : 0) |
    (inside && wasOutside ? 64 : 0) |
    (outside && wasInside ? 128 : 0)
  );
}

/** Every rule of one (symbol or *, interval, source, thresholds), and each venue:symbol's last values. */
export class SeriesRuleGroup {
  readonly intrabar = new OperatorBuckets();
  readonly close = new OperatorBuckets();
  readonly instances = new Map<string, GroupInstance>();
  readonly channel: boolean;
  readonly source: string;
  /** pair: [threshold]; channel: [lower, upper] */
  readonly operands: readonly Operand[];

  constructor(
    readonly key: string,
    runtime: RuleRuntime,
  ) {
    const condition = runtime.rule.condition;
    this.source = runtime.series;
    this.channel = 'lower' in condition;
    this.operands =
      'lower' in condition
        ? [operandOf(condition.lower), operandOf(condition.upper)]
        : 'value' in condition
          ? [operandOf(condition.value)]
          : [];
  }

  /** The group a series-threshold rule belongs to, as a key (the interval and symbol are the caller's). */
  static keyOf(runtime: RuleRuntime): string {
    const condition = runtime.rule.condition;
    const operands =
      'lower' in condition
        ? ['channel', operandKey(operandOf(condition.lower)), operandKey(operandOf(condition.upper))]
        : 'value' in condition
          ? ['pair', operandKey(operandOf(condition.value))]
          : ['none'];
    return [runtime.series, ...operands].join('\u0000');
  }

  /** Every series the group reads: its source and its series operands. */
  get series(): string[] {
    const names = [this.source];
    for (const operand of this.operands) if ('series' in operand) names.push(operand.series);
    return names;
  }

  get size(): number {
    return this.intrabar.size + this.close.size;
  }

  add(runtime: RuleRuntime): void {
    (runtime.mode === 'close' ? this.close : this.intrabar).add(runtime);
  }

  remove(runtime: RuleRuntime): void {
    (runtime.mode === 'close' ? this.close : this.intrabar).remove(runtime);
  }

  instanceFor(venue: string, symbol: string): GroupInstance {
    const instanceKey = `${venue}:${symbol}`;
    let instance = this.instances.get(instanceKey);
    if (!instance) {
      instance = {
        venue,
        symbol,
        instanceKey,
        last: new Float64Array(3).fill(Number.NaN),
        lastFinal: new Float64Array(3).fill(Number.NaN),
        lastFinalSeq: Number.NEGATIVE_INFINITY,
      };
      this.instances.set(instanceKey, instance);
    }
    return instance;
  }

  /**
   * Compares the current values (`now`: source, operands) with `previous` (the same, from the last
   * evaluation of the mode), then stores `now` in `previous`. Returns the bits of the operators that hold
   * among those `buckets` has rules for (0, the usual case, when none).
   */
  compare(buckets: OperatorBuckets, now: Float64Array, previous: Float64Array): number {
    const a = now[0] as number;
    const b = now[1] as number;
    const c = now[2] as number;
    const mask = buckets.mask;
    // no rule of this mode (a group of bar-close rules, intrabar): only the values move on
    const bits =
      mask === 0
        ? 0
        : this.channel
          ? channelBits(a, b, c, previous[0] as number, previous[1] as number, previous[2] as number)
          : pairBits(a, b, previous[0] as number, previous[1] as number);
    previous[0] = a;
    previous[1] = b;
    previous[2] = c;
    return bits & mask;
  }

  /** Appends the rules of `buckets` whose operator is among `bits` (from `compare`). */
  collect(buckets: OperatorBuckets, bits: number, out: RuleRuntime[]): void {
    for (const operator of this.channel ? CHANNEL_OPERATORS : PAIR_OPERATORS) {
      if ((operatorBits[operator] & bits) === 0) continue;
      for (const runtime of buckets.rules(operator)) out.push(runtime);
    }
  }

  /** The thresholds' values in `now`, as a firing reports them. */
  thresholdValues(now: Float64Array): ThresholdValues {
    return this.channel
      ? { value: Number.NaN, lower: now[1] as number, upper: now[2] as number }
      : { value: now[1] as number, lower: Number.NaN, upper: Number.NaN };
  }
}
