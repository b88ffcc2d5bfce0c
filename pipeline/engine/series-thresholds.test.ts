import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AlertFrequency, AlertOperator, AlertRuleInput, AlertSeries } from '../../schemas/alert-rule.js';
import type { TradeTick } from '../../schemas/tick.js';
import type { BarInput, IndicatorResult } from '../indicators/indicator.js';
import { createIndicator } from '../indicators/registry.js';
import { readTradeFile } from '../readers/read-trades.js';
import { MarketEngine } from './market-engine.js';

/*
 * Every operator with a series threshold, run by the engine on real data, against an independent replay: the
 * series computed here bar by bar with the indicator classes (add on a new bar, replace on each update), and
 * the operator definitions (TradingView's ta.crossover: a > b now and a <= b at the previous evaluation)
 * applied directly, then the frequency and the storm guard. Intrabar rules are evaluated on every forming-bar
 * update (every trade), bar-close rules on every final bar.
 */

// Binance spot BTCUSDT trades, 2024-08-08 23:54:15 → 2024-08-09 00:05:05, 19,904 trades (../shared/data/README.md).
const spotTradesFile = fileURLToPath(
  new URL(
    '../../../shared/data/binance_spot_BTCUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv',
    import.meta.url,
  ),
);
// Binance.US BTCUSDT 1m bars, March 2023 (../shared/data/README.md); the first 3,000 minutes.
const binanceUsBarsFile = new URL(
  '../../../shared/data/binanceus/binanceus_BTCUSDT_1m_20230301_20230321.csv',
  import.meta.url,
);

interface Bar extends BarInput {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  openTime: number;
}

/** One evaluation of the reference: what triggered it, its bar and time, and [source, thresholds…]. */
interface Evaluation {
  readonly trigger: string;
  readonly barOpenTime: number;
  readonly time: number;
  readonly values: readonly number[];
}

type Read = (bar: Bar, price: number, results: readonly (IndicatorResult | null)[]) => number;

const output = (result: IndicatorResult | null | undefined, name: string): number => {
  if (result === null || result === undefined) return Number.NaN;
  return typeof result === 'number' ? (name === 'value' ? result : Number.NaN) : (result[name] ?? Number.NaN);
};

/** The reference replay of trades into time bars, indicators and evaluations (independent of the engine). */
/** Time bars of `ms`, or count bars of `trades` trades (the trade completing a bar makes it final). */
type Bars = { readonly ms: number } | { readonly trades: number };

function replay(ticks: readonly TradeTick[], bars: Bars, specs: readonly string[], reads: readonly Read[]) {
  const indicators = specs.map((spec) => createIndicator(spec));
  const intrabar: Evaluation[] = [];
  const close: Evaluation[] = [];
  let bar: Bar | null = null;
  let results: (IndicatorResult | null)[] = [];
  const values = (price: number) => reads.map((read) => read(bar as Bar, price, results));
  for (const [index, tick] of ticks.entries()) {
    const ms = Math.floor(tick.timeUs / 1000);
    const openTime: number = 'ms' in bars ? ms - (ms % bars.ms) : ((bar as Bar | null)?.openTime ?? ms);
    if (bar && bar.openTime !== openTime) {
      close.push({
        trigger: `b${bar.openTime}`,
        barOpenTime: bar.openTime,
        time: ms,
        values: values(bar.close),
      });
      bar = null;
    }
    if (!bar) {
      const { price } = tick;
      bar = { openTime, open: price, high: price, low: price, close: price, volume: tick.size };
      results = indicators.map((indicator) => indicator.add(bar as Bar));
    } else {
      bar.high = Math.max(bar.high, tick.price);
      bar.low = Math.min(bar.low, tick.price);
      bar.close = tick.price;
      bar.volume += tick.size;
      results = indicators.map((indicator) => indicator.replace(bar as Bar));
    }
    intrabar.push({
      trigger: `t${tick.tradeId}`,
      barOpenTime: openTime,
      time: ms,
      values: values(tick.price),
    });
    if ('trades' in bars && (index + 1) % bars.trades === 0) {
      // The completing trade is the bar-close evaluation too (its trigger is that trade).
      close.push({ trigger: `t${tick.tradeId}`, barOpenTime: openTime, time: ms, values: values(bar.close) });
      bar = null;
    }
  }
  if (bar) {
    const end = 'ms' in bars ? bar.openTime + bars.ms - 1 : Math.floor((ticks.at(-1)?.timeUs ?? 0) / 1000);
    close.push({
      trigger: `b${bar.openTime}`,
      barOpenTime: bar.openTime,
      time: end,
      values: values(bar.close),
    });
  }
  return { intrabar, close };
}

/** The operator definitions, written out: does `now` hold, coming from `before`? */
function holds(
  operator: AlertOperator,
  now: readonly number[],
  before: readonly number[] | undefined,
): boolean {
  const [a = Number.NaN, b = Number.NaN, c = Number.NaN] = now;
  const [pa = Number.NaN, pb = Number.NaN, pc = Number.NaN] = before ?? [];
  const inside = (x: number, lower: number, upper: number) => lower <= x && x <= upper;
  const outside = (x: number, lower: number, upper: number) => x < lower || x > upper;
  switch (operator) {
    case 'crossing_up':
      return a > b && pa <= pb;
    case 'crossing_down':
      return a < b && pa >= pb;
    case 'crossing':
      return (a > b && pa <= pb) || (a < b && pa >= pb);
    case 'greater_than':
      return a > b;
    case 'less_than':
      return a < b;
    case 'inside_channel':
      return inside(a, b, c);
    case 'outside_channel':
      return outside(a, b, c);
    case 'entering_channel':
      return inside(a, b, c) && outside(pa, pb, pc);
    case 'exiting_channel':
      return outside(a, b, c) && inside(pa, pb, pc);
    default:
      throw new Error(`no series form for ${operator}`);
  }
}

/** The firings a rule makes over the evaluations of its mode: the condition, its frequency, the storm guard. */
function expectedFirings(
  evaluations: readonly Evaluation[],
  operator: AlertOperator,
  frequency: AlertFrequency,
) {
  const fired: Evaluation[] = [];
  for (const [index, evaluation] of evaluations.entries()) {
    if (!holds(operator, evaluation.values, evaluations[index - 1]?.values)) continue;
    const last = fired.at(-1);
    if (frequency === 'once_per_bar' && last?.barOpenTime === evaluation.barOpenTime) continue;
    if (frequency === 'once_per_minute' && last && evaluation.time - last.time < 60_000) continue;
    const fifteenthLast = fired.at(-15);
    if (fifteenthLast && evaluation.time - fifteenthLast.time < 180_000) return { fired, stopped: true };
    fired.push(evaluation);
  }
  return { fired, stopped: false };
}

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

interface Case {
  readonly source: AlertSeries;
  readonly thresholds: Record<string, AlertSeries>;
  readonly operators: readonly AlertOperator[];
}

/** One rule per operator and frequency, run through the engine; the firings per rule as trigger keys. */
function runEngine(
  ticks: readonly TradeTick[],
  interval: string,
  testCase: Case,
  frequencies: readonly AlertFrequency[],
) {
  const rules: AlertRuleInput[] = testCase.operators.flatMap((operator) =>
    frequencies.map((frequency) => ({
      id: `${operator}-${frequency}`,
      owner: 'test',
      symbol: 'BTCUSDT',
      interval,
      source: testCase.source,
      condition: { operator, ...testCase.thresholds } as AlertRuleInput['condition'],
      frequency,
    })),
  );
  const events: AlertEvent[] = [];
  const engine = new MarketEngine(
    { bars: { intervals: [interval], firstBar: 'keep', emptyIntervals: 'skip' } },
    { bar: () => {}, indicator: () => {}, alert: (event) => events.push(event), late: () => {} },
    rules,
  );
  for (const tick of ticks) engine.add(tick);
  engine.flush();
  const byRule = new Map<string, { fired: string[]; stopped: boolean }>();
  for (const rule of rules) byRule.set(rule.id, { fired: [], stopped: false });
  for (const event of events) {
    const entry = byRule.get(event.ruleId);
    if (!entry) continue;
    if (event.kind === 'stopped') entry.stopped = true;
    else
      entry.fired.push(
        event.trigger.kind === 'tick' ? `t${event.trigger.tradeId}` : `b${event.trigger.openTime}`,
      );
  }
  return { byRule, events };
}

function compare(
  ticks: readonly TradeTick[],
  interval: string,
  bars: Bars,
  testCase: Case,
  specs: readonly string[],
  reads: readonly Read[],
  frequencies: { intrabar: AlertFrequency; close: AlertFrequency },
) {
  const reference = replay(ticks, bars, specs, reads);
  const { byRule } = runEngine(ticks, interval, testCase, [frequencies.intrabar, frequencies.close]);
  let total = 0;
  for (const operator of testCase.operators) {
    for (const mode of ['intrabar', 'close'] as const) {
      const frequency = frequencies[mode];
      const expected = expectedFirings(reference[mode], operator, frequency);
      const actual = byRule.get(`${operator}-${frequency}`);
      expect({ rule: `${operator}-${frequency}`, ...actual }).toEqual({
        rule: `${operator}-${frequency}`,
        fired: expected.fired.map((evaluation) => evaluation.trigger),
        stopped: expected.stopped,
      });
      total += expected.fired.length;
    }
  }
  return total;
}

let spotTrades: TradeTick[] = [];
let barTicks: TradeTick[] = [];
beforeAll(async () => {
  for await (const tick of readTradeFile(spotTradesFile, {
    format: 'binance-trades',
    venue: 'binance',
    symbol: 'BTCUSDT',
  })) {
    spotTrades.push(tick);
  }
  // Each real 1m bar as four trades (open, high, low, close within the minute): the engine's 1m bars are
  // exactly the file's OHLC, so the indicators see the real closes.
  const rows = readFileSync(binanceUsBarsFile, 'utf8').trim().split('\n').slice(1, 3_001);
  barTicks = rows.flatMap((row) => {
    const [time = '', ...fields] = row.split(',');
    const [open = 0, high = 0, low = 0, close = 0, volume = 0] = fields.map(Number);
    const openTime = Date.parse(time.replace(' ', 'T'));
    return [open, high, low, close].map(
      (price, index): TradeTick => ({
        kind: 'trade',
        venue: 'binanceus',
        symbol: 'BTCUSDT',
        tradeId: `${openTime}-${index}`,
        timeUs: (openTime + index * 15_000) * 1000,
        price,
        size: volume / 4,
        aggressor: 'buy',
      }),
    );
  });
  spotTrades = spotTrades.slice();
});

describe('series thresholds against an independent computation on real data', () => {
  it('MACD(12,26,9) against its signal line, every pair operator, on Binance.US 1m bars', () => {
    const total = compare(
      barTicks,
      '1m',
      { ms: 60_000 },
      {
        source: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'macd' },
        thresholds: { value: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'signal' } },
        operators: PAIR_OPERATORS,
      },
      ['macd(12,26,9)'],
      [(_, __, results) => output(results[0], 'macd'), (_, __, results) => output(results[0], 'signal')],
      { intrabar: 'once_per_bar', close: 'once_per_bar_close' },
    );
    expect(total).toBeGreaterThan(1_000);
  });

  it('close against the Bollinger Bands(20,2), every channel operator, on Binance.US 1m bars', () => {
    const total = compare(
      barTicks,
      '1m',
      { ms: 60_000 },
      {
        source: { kind: 'bar', field: 'close' },
        thresholds: {
          lower: { kind: 'indicator', spec: 'bbands(20,2)', output: 'lower' },
          upper: { kind: 'indicator', spec: 'bbands(20,2)', output: 'upper' },
        },
        operators: CHANNEL_OPERATORS,
      },
      ['bbands(20,2)'],
      [
        (bar) => bar.close,
        (_, __, results) => output(results[0], 'lower'),
        (_, __, results) => output(results[0], 'upper'),
      ],
      { intrabar: 'once_per_bar', close: 'once_per_bar_close' },
    );
    expect(total).toBeGreaterThan(1_000);
  });

  it('the trade price against EMA(50) of 5s bars, every pair operator, on real Binance trades', () => {
    const total = compare(
      spotTrades,
      '5s',
      { ms: 5_000 },
      {
        source: { kind: 'price' },
        thresholds: { value: { kind: 'indicator', spec: 'ema(50)', output: 'value' } },
        operators: PAIR_OPERATORS,
      },
      ['ema(50)'],
      [(_, price) => price, (_, __, results) => output(results[0], 'value')],
      { intrabar: 'every_time', close: 'once_per_bar_close' },
    );
    expect(total).toBeGreaterThan(20);
  });

  it('the trade price against the 5s Bollinger Bands(20,2), every channel operator, once per minute', () => {
    const total = compare(
      spotTrades,
      '5s',
      { ms: 5_000 },
      {
        source: { kind: 'price' },
        thresholds: {
          lower: { kind: 'indicator', spec: 'bbands(20,2)', output: 'lower' },
          upper: { kind: 'indicator', spec: 'bbands(20,2)', output: 'upper' },
        },
        operators: CHANNEL_OPERATORS,
      },
      ['bbands(20,2)'],
      [
        (_, price) => price,
        (_, __, results) => output(results[0], 'lower'),
        (_, __, results) => output(results[0], 'upper'),
      ],
      { intrabar: 'once_per_minute', close: 'once_per_bar_close' },
    );
    expect(total).toBeGreaterThan(20);
  });

  it('the trade price against SMA(10) of 50-trade bars: the trade completing a bar is evaluated intrabar and at its close', () => {
    const total = compare(
      spotTrades,
      '50t',
      { trades: 50 },
      {
        source: { kind: 'price' },
        thresholds: { value: { kind: 'indicator', spec: 'sma(10)', output: 'value' } },
        operators: PAIR_OPERATORS,
      },
      ['sma(10)'],
      [(_, price) => price, (_, __, results) => output(results[0], 'value')],
      { intrabar: 'every_time', close: 'once_per_bar_close' },
    );
    expect(total).toBeGreaterThan(20);
  });
});
