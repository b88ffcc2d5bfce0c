import type { z } from 'zod';
import type { alertTriggerSchema } from '../../schemas/alert-event.js';
import type { AlertSeries } from '../../schemas/alert-rule.js';
import type { SourcePosition } from '../../schemas/dead-letter.js';

export type AlertTrigger = z.infer<typeof alertTriggerSchema>;

/** The series name of the last trade price. */
export const PRICE_SERIES = 'price';

/** The bar of the point's interval that the value belongs to (the forming bar for a trade). */
export interface PointBar {
  readonly openTime: number;
  /** activity bars (tick, volume, value) opening in the same ms as the one before: 1, 2, …; absent = 0 */
  readonly seq?: number;
  readonly final: boolean;
  readonly revision: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * One new value of one series, what the alert engine consumes. The composition sends, per (venue, symbol,
 * interval, series) that `AlertEngine.wants` asks for, in event order:
 * - `price`: one point per trade (trigger `tick`, value = trade price, bar = the forming bar of `interval`
 *   containing the trade), and one point when that bar becomes final (trigger `bar`, value = close,
 *   `bar.final` true) — bar-close rules and moving_* windows need it. Send it as soon as the bar is final:
 *   moving_* windows hold the closes received so far, so a final point delayed past later trades (allowed
 *   lateness) makes those trades compare with one bar less.
 * - an indicator output (`rsi(14).value`, `macd(12,26,9).signal`): one point per bar update, forming or
 *   final (trigger `bar`).
 */
export interface SeriesPoint {
  readonly venue: string;
  readonly symbol: string;
  readonly interval: string;
  /** `price` or `<indicator spec>.<output>` — see `seriesOf` */
  readonly series: string;
  readonly value: number;
  readonly bar: PointBar;
  readonly trigger: AlertTrigger;
  /** where the triggering record was read from, if it came from a log */
  readonly sourcePosition: SourcePosition | null;
  /** event time of the trigger, ms */
  readonly time: number;
}

/**
 * What decides whether an intrabar point can fire (`AlertEngine.passQuietly`). A caller reuses one mutable
 * object for every point: V8 boxes a float passed as an argument, not one written to a field.
 */
export interface IntrabarValue {
  readonly venue: string;
  readonly symbol: string;
  readonly interval: string;
  readonly series: string;
  readonly value: number;
  /** event time of the trigger, ms */
  readonly time: number;
}

/**
 * The series name of a rule's source or series threshold: `price`, `bar.close` for `{kind:'bar',
 * field:'close'}`, or `rsi(14).value` for `{kind:'indicator', spec:'rsi(14)'}`.
 */
export function seriesOf(source: AlertSeries): string {
  switch (source.kind) {
    case 'price':
      return PRICE_SERIES;
    case 'bar':
      return `${BAR_SERIES_PREFIX}${source.field}`;
    case 'indicator':
      return `${source.spec}.${source.output}`;
  }
}

/** Bar-field series are named `bar.<field>` (an indicator spec never starts with `bar.`: it has parentheses). */
export const BAR_SERIES_PREFIX = 'bar.';
