import type { AlertSeries, AlertThreshold } from '../../schemas/alert-rule.js';
import type { StrategyCondition } from '../../schemas/strategy.js';

/**
 * Strategy conditions on final bars. Every threshold, number or series, compares as TradingView's
 * `ta.crossover(a, b)`: crossing_up = a > b now and a ≤ b on the previous final bar (both warm). A missing
 * value (series not warm) makes a comparison false. moving_* compare with the min/max of the N previous closes
 * of the source, as the alert operators do.
 */

/** The values of one final bar: series name (`price`, `bar.close`, `<spec>.<output>`) → value. */
export type BarValues = ReadonlyMap<string, number>;

export const seriesName = (series: AlertSeries): string =>
  series.kind === 'price'
    ? 'bar.close'
    : series.kind === 'bar'
      ? `bar.${series.field}`
      : `${series.spec}.${series.output}`;

const thresholdValue = (threshold: AlertThreshold, values: BarValues | undefined): number =>
  typeof threshold === 'number' ? threshold : (values?.get(seriesName(threshold)) ?? Number.NaN);

/** What a condition reads: the current bar's values, the previous bar's and the source's past values. */
export interface ConditionFrame {
  readonly now: BarValues;
  readonly previous: BarValues | undefined;
  readonly history: (series: string, bars: number) => readonly number[];
}

export function holds(condition: StrategyCondition, frame: ConditionFrame): boolean {
  if ('all' in condition) return condition.all.every((child) => holds(child, frame));
  if ('any' in condition) return condition.any.some((child) => holds(child, frame));
  const source = seriesName(condition.source);
  const a = frame.now.get(source) ?? Number.NaN;
  const pa = frame.previous?.get(source) ?? Number.NaN;
  if (Number.isNaN(a)) return false;
  switch (condition.operator) {
    case 'crossing_up':
    case 'crossing_down':
    case 'crossing': {
      const b = thresholdValue(condition.value, frame.now);
      const pb = thresholdValue(condition.value, frame.previous);
      const up = a > b && pa <= pb;
      const down = a < b && pa >= pb;
      return condition.operator === 'crossing_up'
        ? up
        : condition.operator === 'crossing_down'
          ? down
          : up || down;
    }
    case 'greater_than':
      return a > thresholdValue(condition.value, frame.now);
    case 'less_than':
      return a < thresholdValue(condition.value, frame.now);
    case 'inside_channel':
    case 'outside_channel':
    case 'entering_channel':
    case 'exiting_channel': {
      const inside = (value: number, values: BarValues | undefined) =>
        thresholdValue(condition.lower, values) <= value && value <= thresholdValue(condition.upper, values);
      const insideNow = inside(a, frame.now);
      const insideBefore = inside(pa, frame.previous);
      const outsideNow =
        !insideNow &&
        !Number.isNaN(
          thresholdValue(condition.lower, frame.now) + thresholdValue(condition.upper, frame.now),
        );
      const outsideBefore =
        !insideBefore &&
        !Number.isNaN(
          pa +
            thresholdValue(condition.lower, frame.previous) +
            thresholdValue(condition.upper, frame.previous),
        );
      if (condition.operator === 'inside_channel') return insideNow;
      if (condition.operator === 'outside_channel') return outsideNow;
      if (condition.operator === 'entering_channel') return outsideBefore && insideNow;
      return insideBefore && outsideNow;
    }
    default: {
      const past = frame.history(source, condition.bars);
      if (past.length === 0) return false;
      const min = Math.min(...past);
      const max = Math.max(...past);
      switch (condition.operator) {
        case 'moving_up':
          return a - min >= condition.amount;
        case 'moving_down':
          return max - a >= condition.amount;
        case 'moving_up_percent':
          return min !== 0 && ((a - min) / Math.abs(min)) * 100 >= condition.percent;
        case 'moving_down_percent':
          return max !== 0 && ((max - a) / Math.abs(max)) * 100 >= condition.percent;
      }
    }
  }
}

/** The longest moving_* window a condition reads (0 if none). */
export function historyBars(condition: StrategyCondition | undefined): number {
  if (!condition) return 0;
  if ('all' in condition) return Math.max(0, ...condition.all.map(historyBars));
  if ('any' in condition) return Math.max(0, ...condition.any.map(historyBars));
  return 'bars' in condition ? condition.bars : 0;
}
