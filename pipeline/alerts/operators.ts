import type { AlertCondition, AlertOperator, AlertSeries, AlertThreshold } from '../../schemas/alert-rule.js';
import type { Extremes } from './bar-close-history.js';

type NumericThresholds<C> = { [K in keyof C]: K extends 'value' | 'lower' | 'upper' ? number : C[K] };
type EachNumeric<C> = C extends unknown ? NumericThresholds<C> : never;

/** A condition whose thresholds are all numbers: what the sorted/interval index holds. */
export type ConstantCondition = EachNumeric<AlertCondition>;

/** Whether every threshold of the condition is a number (no series). */
export function isConstantCondition(condition: AlertCondition): condition is ConstantCondition {
  if ('value' in condition) return typeof condition.value === 'number';
  if ('lower' in condition) return typeof condition.lower === 'number' && typeof condition.upper === 'number';
  return true;
}

/*
 * The operators, TradingView's alert conditions, defined on the series a rule watches. `previous` is the
 * value observed just before `current` on the same series (the previous trade price, or the previous
 * indicator update); for `once_per_bar_close` rules both are bar-final values (previous bar's close value
 * and this bar's). There is no `previous` before a series' first value, so the first value never crosses,
 * enters or exits anything.
 *
 * Crossings (a move that reaches the threshold counts, a move that leaves it does not, so a value that
 * touches the threshold and turns back fires once, on arrival, and a monotone walk through it fires once):
 *   crossing_up    previous < threshold ≤ current
 *   crossing_down  previous > threshold ≥ current
 *   crossing       either of the two
 * A jump over several thresholds at once crosses every one of them.
 *
 * Channels are closed: a value is inside when lower ≤ value ≤ upper.
 *   entering_channel  previous outside, current inside
 *   exiting_channel   previous inside, current outside (a jump from below to above the channel, or back,
 *                     does neither: it was never inside)
 * States (hold on every value that satisfies them, no previous needed; how often they fire is the rule's
 * frequency: with `every_time` a holding state fires on every point, i.e. on every trade for `price`):
 *   greater_than     current > value
 *   less_than        current < value
 *   inside_channel   lower ≤ current ≤ upper
 *   outside_channel  current < lower or current > upper
 *
 * Moves within N bars compare the current value with the lowest (for up) or highest (for down) bar-final
 * value of the N bars before the current bar (fewer while the series has fewer closes; nothing before its
 * first close). "Within N bars" is TradingView's wording: the move may have started on any of those bars.
 *   moving_up            current − min ≥ amount
 *   moving_down          max − current ≥ amount
 *   moving_up_percent    (current − min) / |min| × 100 ≥ percent   (never when min = 0)
 *   moving_down_percent  (max − current) / |max| × 100 ≥ percent   (never when max = 0)
 * The reference (min or max) is reported as the event's `previous`.
 */

export type MovingOperator = 'moving_up' | 'moving_down' | 'moving_up_percent' | 'moving_down_percent';

/** Whether a move from `previous` to `current` triggers a crossing or channel-edge condition. */
export function crosses(condition: ConstantCondition, previous: number, current: number): boolean {
  switch (condition.operator) {
    case 'crossing_up':
      return previous < condition.value && condition.value <= current;
    case 'crossing_down':
      return previous > condition.value && condition.value >= current;
    case 'crossing':
      return (
        (previous < condition.value && condition.value <= current) ||
        (previous > condition.value && condition.value >= current)
      );
    case 'entering_channel':
      return !within(previous, condition) && within(current, condition);
    case 'exiting_channel':
      return within(previous, condition) && !within(current, condition);
    default:
      return false;
  }
}

const within = (value: number, channel: { lower: number; upper: number }): boolean =>
  channel.lower <= value && value <= channel.upper;

/** The size of the move a moving_* operator measures, in its unit (amount or percent); null if undefined. */
export function movement(operator: MovingOperator, current: number, window: Extremes): number | null {
  switch (operator) {
    case 'moving_up':
      return current - window.min;
    case 'moving_down':
      return window.max - current;
    case 'moving_up_percent':
      return window.min === 0 ? null : ((current - window.min) / Math.abs(window.min)) * 100;
    case 'moving_down_percent':
      return window.max === 0 ? null : ((window.max - current) / Math.abs(window.max)) * 100;
  }
}

/** The window value a moving_* move is measured from. */
export const movementReference = (operator: MovingOperator, window: Extremes): number =>
  operator === 'moving_up' || operator === 'moving_up_percent' ? window.min : window.max;

/**
 * Reference semantics of every operator in one function, evaluated rule by rule: the engine's index must
 * give exactly the same answers (tests compare the two).
 */
export function conditionHolds(
  condition: ConstantCondition,
  previous: number | null,
  current: number,
  window: Extremes | null,
): boolean {
  switch (condition.operator) {
    case 'crossing':
    case 'crossing_up':
    case 'crossing_down':
    case 'entering_channel':
    case 'exiting_channel':
      return previous !== null && crosses(condition, previous, current);
    case 'greater_than':
      return current > condition.value;
    case 'less_than':
      return current < condition.value;
    case 'inside_channel':
      return within(current, condition);
    case 'outside_channel':
      return !within(current, condition);
    case 'moving_up':
    case 'moving_down': {
      const moved = window && movement(condition.operator, current, window);
      return moved !== null && moved >= condition.amount;
    }
    case 'moving_up_percent':
    case 'moving_down_percent': {
      const moved = window && movement(condition.operator, current, window);
      return moved !== null && moved >= condition.percent;
    }
  }
}

const operatorWords: Record<AlertOperator, string> = {
  crossing: 'crossing',
  crossing_up: 'crossing up',
  crossing_down: 'crossing down',
  greater_than: 'greater than',
  less_than: 'less than',
  entering_channel: 'entering channel',
  exiting_channel: 'exiting channel',
  inside_channel: 'inside channel',
  outside_channel: 'outside channel',
  moving_up: 'moving up',
  moving_down: 'moving down',
  moving_up_percent: 'moving up',
  moving_down_percent: 'moving down',
};

/** How `{{operator}}` reads: `crossing up`, `moving down` (the % sits in the threshold). */
export const operatorLabel = (operator: AlertOperator): string => operatorWords[operator];

/** How a series reads in a label: `price`, `close`, `sma(20)`, `macd(12,26,9) signal`. */
export function seriesLabel(series: AlertSeries): string {
  switch (series.kind) {
    case 'price':
      return 'price';
    case 'bar':
      return series.field;
    case 'indicator':
      return series.output === 'value' ? series.spec : `${series.spec} ${series.output}`;
  }
}

const thresholdText = (threshold: AlertThreshold): string =>
  typeof threshold === 'number' ? String(threshold) : seriesLabel(threshold);

/**
 * How a condition's threshold reads where no value is at hand: `60000`, `30..70`, `5 within 3 bars`,
 * `2% within 10 bars`, `sma(20)`, `bbands(20,2) lower..bbands(20,2) upper`. A firing's `{{threshold}}`
 * prints a series threshold's value instead (template.ts).
 */
export function thresholdLabel(condition: AlertCondition): string {
  switch (condition.operator) {
    case 'crossing':
    case 'crossing_up':
    case 'crossing_down':
    case 'greater_than':
    case 'less_than':
      return thresholdText(condition.value);
    case 'entering_channel':
    case 'exiting_channel':
    case 'inside_channel':
    case 'outside_channel':
      return `${thresholdText(condition.lower)}..${thresholdText(condition.upper)}`;
    case 'moving_up':
    case 'moving_down':
      return `${condition.amount} within ${condition.bars} bars`;
    case 'moving_up_percent':
    case 'moving_down_percent':
      return `${condition.percent}% within ${condition.bars} bars`;
  }
}
