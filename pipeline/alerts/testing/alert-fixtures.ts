import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { AlertCondition, AlertFrequency, AlertRuleInput } from '../../../schemas/alert-rule.js';
import { intervalOf } from '../../../schemas/interval.js';
import type { AlertEngine } from '../engine.js';
import { type PointBar, PRICE_SERIES, type SeriesPoint } from '../series-point.js';

/** 2024-08-08T23:55:00Z, a minute of the real Binance trades in ../shared/data. */
export const T0 = Date.UTC(2024, 7, 8, 23, 55);

/** A rule with test defaults: every_time so the raw condition shows, on BTCUSDT price 1m. */
export function testRule(
  overrides: Partial<AlertRuleInput> & Pick<AlertRuleInput, 'condition'>,
): AlertRuleInput {
  return {
    id: 'r1',
    owner: 'u1',
    symbol: 'BTCUSDT',
    interval: '1m',
    source: { kind: 'price' },
    frequency: 'every_time',
    ...overrides,
  };
}

interface FeedOptions {
  readonly venue?: string;
  readonly symbol?: string;
  readonly interval?: string;
  readonly start?: number;
}

/**
 * Builds points the way the composition does for one venue:symbol on one time interval: price points per
 * trade with the forming bar, a final price point when a bar closes, indicator points per bar update.
 */
export class PointFeed {
  readonly venue: string;
  readonly symbol: string;
  readonly interval: string;
  readonly #intervalMs: number;
  time: number;
  #tradeId = 0;
  #lastBarOpen: number | null = null;
  #bar: { -readonly [K in keyof PointBar]: PointBar[K] } | null = null;
  readonly #engine: AlertEngine;

  constructor(engine: AlertEngine, options: FeedOptions = {}) {
    this.#engine = engine;
    this.venue = options.venue ?? 'binance';
    this.symbol = options.symbol ?? 'BTCUSDT';
    this.interval = options.interval ?? '1m';
    const interval = intervalOf(this.interval);
    if (interval.kind !== 'time') throw new RangeError('PointFeed needs a time interval');
    this.#intervalMs = interval.ms;
    this.time = options.start ?? T0;
  }

  /** A trade at `time` (default: 1 s after the previous point); closes the forming bar first if it ended. */
  trade(price: number, time = this.time + 1_000): AlertEvent[] {
    const openTime = time - (time % this.#intervalMs);
    const events = this.#bar && this.#bar.openTime !== openTime ? this.close() : [];
    this.time = time;
    this.#lastBarOpen = openTime;
    const bar = this.#bar;
    if (!bar) {
      this.#bar = {
        openTime,
        final: false,
        revision: 0,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: 1,
      };
    } else {
      bar.revision++;
      bar.high = Math.max(bar.high, price);
      bar.low = Math.min(bar.low, price);
      bar.close = price;
      bar.volume++;
    }
    this.#tradeId++;
    const point = this.point(PRICE_SERIES, price, {
      kind: 'tick',
      tradeId: String(this.#tradeId),
      timeUs: time * 1000,
      price,
    });
    return [...events, ...this.#engine.evaluate(point)];
  }

  /** Sends the final point of the forming bar (value = close) and forgets the bar. */
  close(): AlertEvent[] {
    const bar = this.#bar;
    if (!bar) return [];
    bar.final = true;
    const point = this.point(PRICE_SERIES, bar.close, {
      kind: 'bar',
      openTime: bar.openTime,
      final: true,
      revision: bar.revision,
    });
    this.#bar = null;
    return [...this.#engine.evaluate(point)];
  }

  /** A whole bar at once, the one after the last bar traded: one trade per price, then its final point. */
  bar(...prices: number[]): AlertEvent[] {
    const openTime =
      this.#lastBarOpen === null
        ? this.time - (this.time % this.#intervalMs)
        : this.#lastBarOpen + this.#intervalMs;
    const events: AlertEvent[] = [];
    prices.forEach((price, index) => {
      events.push(...this.trade(price, openTime + index * 10));
    });
    events.push(...this.close());
    return events;
  }

  /** An indicator update for the bar at `openTime` (default: the bar containing `time`). */
  indicator(
    series: string,
    value: number,
    options: { final?: boolean; openTime?: number; time?: number } = {},
  ) {
    const time = options.time ?? this.time + 1_000;
    this.time = time;
    const openTime = options.openTime ?? time - (time % this.#intervalMs);
    const final = options.final ?? false;
    const trigger = { kind: 'bar', openTime, final, revision: 0 } as const;
    const bar = {
      openTime,
      final,
      revision: 0,
      open: value,
      high: value,
      low: value,
      close: value,
      volume: 0,
    };
    return [...this.#engine.evaluate({ ...this.point(series, value, trigger), bar })];
  }

  point(series: string, value: number, trigger: SeriesPoint['trigger']): SeriesPoint {
    const bar = this.#bar ?? {
      openTime: this.time - (this.time % this.#intervalMs),
      final: false,
      revision: 0,
      open: value,
      high: value,
      low: value,
      close: value,
      volume: 0,
    };
    return {
      venue: this.venue,
      symbol: this.symbol,
      interval: this.interval,
      series,
      value,
      bar: { ...bar },
      trigger,
      sourcePosition: null,
      time: this.time,
    };
  }
}

/** The fired events' rule ids, in order. */
export const firedIds = (events: readonly AlertEvent[]): string[] =>
  events.filter((event) => event.kind === 'fired').map((event) => event.ruleId);

/** One condition per operator, with thresholds that the real BTCUSDT trades of 2024-08-08 23:54–00:00 cross. */
export const BTC_PRICE_CONDITIONS: readonly AlertCondition[] = [
  { operator: 'crossing', value: 61_700 },
  { operator: 'crossing_up', value: 61_750 },
  { operator: 'crossing_down', value: 61_650 },
  { operator: 'greater_than', value: 61_790 },
  { operator: 'less_than', value: 61_610 },
  { operator: 'entering_channel', lower: 61_650, upper: 61_700 },
  { operator: 'exiting_channel', lower: 61_700, upper: 61_760 },
  { operator: 'inside_channel', lower: 61_600, upper: 61_620 },
  { operator: 'outside_channel', lower: 61_620, upper: 61_800 },
  { operator: 'moving_up', amount: 30, bars: 3 },
  { operator: 'moving_down', amount: 60, bars: 100 },
  { operator: 'moving_up_percent', percent: 0.05, bars: 5 },
  { operator: 'moving_down_percent', percent: 0.1, bars: 70 },
];

export const ALL_FREQUENCIES: readonly AlertFrequency[] = [
  'once',
  'once_per_bar',
  'once_per_bar_close',
  'once_per_minute',
  'every_time',
];
