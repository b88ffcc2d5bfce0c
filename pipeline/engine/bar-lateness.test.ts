import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { Bar } from '../../schemas/bar.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import type { TradeTick } from '../../schemas/tick.js';
import type { LateTick } from '../bars/bar-options.js';
import { createIndicator } from '../indicators/registry.js';
import type { EngineConfigInput } from './engine-config.js';
import type { EngineOutput } from './engine-output.js';
import { decodeEngineSnapshot, encodeEngineSnapshot } from './engine-snapshot.js';
import { MarketEngine } from './market-engine.js';
import { readUmBtcusdtTicks, tradeAt } from './testing/engine-test-kit.js';

/*
 * Bars with `allowedLatenessMs` > 0: a time bar turns final once the symbol's watermark (max event time −
 * lateness) passes its close, after the next bar opened. The engine takes a series' bars in order, each final
 * update before the next bar's first computed one (MarketEngine.onBar).
 */

const record = () => {
  const bars: Bar[] = [];
  const indicators: IndicatorValue[] = [];
  const alerts: AlertEvent[] = [];
  const late: LateTick[] = [];
  const output: EngineOutput = {
    bar: (bar) => bars.push(bar.toBar()),
    indicator: (value) => indicators.push(value),
    alert: (event) => alerts.push(event),
    late: (tick) => late.push(tick),
  };
  return { output, bars, indicators, alerts, late };
};

/** The ticks through one engine; `restoreBefore(i)`: the run continues on an engine restored before tick i. */
const run = (
  config: EngineConfigInput,
  rules: unknown[],
  ticks: readonly TradeTick[],
  restoreBefore: (index: number) => boolean = () => false,
) => {
  const recorded = record();
  let engine = new MarketEngine(config, recorded.output, rules);
  for (const [index, tick] of ticks.entries()) {
    if (restoreBefore(index)) {
      const bytes = encodeEngineSnapshot(engine.snapshot());
      engine = MarketEngine.restore(config, recorded.output, decodeEngineSnapshot(bytes));
    }
    engine.add(tick);
  }
  engine.flush();
  return recorded;
};

const rule = (id: string, fields: Record<string, unknown>) => ({
  id,
  owner: 'quant',
  symbol: 'BTCUSDT',
  ...fields,
});

/** a bar-close rule that holds on every final bar, and one that fires at each bar's first computed sma(3) */
const RULES = [
  rule('close-positive', {
    interval: '5s',
    source: { kind: 'bar', field: 'close' },
    condition: { operator: 'greater_than', value: 0 },
    frequency: 'once_per_bar_close',
  }),
  rule('sma-first', {
    interval: '5s',
    source: { kind: 'indicator', spec: 'sma(3)' },
    condition: { operator: 'greater_than', value: 0 },
    frequency: 'once_per_bar',
  }),
];

const configWith = (allowedLatenessMs: number): EngineConfigInput => ({
  bars: { intervals: ['5s', '1m'], firstBar: 'keep', allowedLatenessMs },
  indicators: ['sma(3)', 'rsi(5)', 'ema(10)', 'macd(3,6,2)', 'bbands(5,2)'],
});

const finals = (bars: readonly Bar[]) => bars.filter((bar) => bar.final);
/**
 * What a bar-close firing says about its bar, without when it was evaluated: with a lateness that is the
 * finalizing trade's time, later (and so is the event id, which holds it).
 */
const closeFirings = (alerts: readonly AlertEvent[]) =>
  alerts.flatMap((event) =>
    event.kind === 'fired' && event.ruleId === 'close-positive'
      ? [{ trigger: event.trigger, previous: event.previous, current: event.current }]
      : [],
  );

describe('bars with a lateness, on real Binance trades (UM BTCUSDT, in event-time order: none is late)', () => {
  let ticks: TradeTick[] = [];
  beforeAll(async () => {
    ticks = await readUmBtcusdtTicks();
    // the comparison below holds only if no trade is late: the file's event times never go back
    expect(ticks.every((tick, i) => i === 0 || tick.timeUs >= (ticks[i - 1] as TradeTick).timeUs)).toBe(true);
  });

  it('emits the same final bars, indicator values and bar-close firings as without a lateness', () => {
    const prompt = run(configWith(0), RULES, ticks);
    const late = run(configWith(500), RULES, ticks);
    expect(finals(late.bars)).toEqual(finals(prompt.bars));
    expect(late.indicators).toEqual(prompt.indicators);
    // 69 5s bars and 6 1m bars in the file (5.7 min): 5 indicators each, less their warm-up
    expect(
      late.indicators.filter((value) => value.interval === '5s' && value.spec === 'sma(3)'),
    ).toHaveLength(finals(prompt.bars).filter((bar) => bar.interval === '5s').length - 2);
    expect(closeFirings(late.alerts)).toEqual(closeFirings(prompt.alerts));
    // the first 15 final bars: then the storm guard stops the rule (STORM_GUARD_MAX_FIRINGS), in both runs
    expect(closeFirings(late.alerts)).toHaveLength(15);
  });

  it("computes a forming bar's intrabar values on the bars before it as final", () => {
    const { bars, alerts } = run(configWith(500), RULES, ticks);
    const closes = new Map(
      finals(bars)
        .filter((bar) => bar.interval === '5s')
        .map((bar) => [bar.openTime, bar.close]),
    );
    const forming = alerts.flatMap((event) =>
      event.kind === 'fired' &&
      event.ruleId === 'sma-first' &&
      event.trigger.kind === 'bar' &&
      !event.trigger.final
        ? [{ trigger: event.trigger, current: event.current, time: event.time }]
        : [],
    );
    // one a bar at its first computed update (500 ms or more into the bar: the bar before is final then),
    // from the third bar (sma(3)) until the storm guard stops the rule
    expect(forming.length).toBe(15);
    for (const { trigger, current, time } of forming) {
      expect(time - trigger.openTime).toBeGreaterThanOrEqual(500);
      const update = bars.find(
        (bar) =>
          bar.interval === '5s' && bar.openTime === trigger.openTime && bar.revision === trigger.revision,
      );
      const first = closes.get(trigger.openTime - 10_000);
      const second = closes.get(trigger.openTime - 5_000);
      if (update === undefined || first === undefined || second === undefined)
        throw new Error('expected the update and the two final bars before it');
      expect(current).toBeCloseTo((first + second + update.close) / 3, 9);
    }
  });

  it('continues exactly on an engine restored inside the lateness window', () => {
    const uninterrupted = run(configWith(500), RULES, ticks);
    // every tick in the first 500 ms of a 5s bar (the bar before is still open) — the first 200 of them
    const inWindow = ticks.flatMap((tick, index) =>
      Math.floor(tick.timeUs / 1000) % 5_000 < 500 ? [index] : [],
    );
    const at = new Set(inWindow.slice(0, 200));
    const restored = run(configWith(500), RULES, ticks, (index) => at.has(index));
    expect(restored.bars).toEqual(uninterrupted.bars);
    expect(restored.indicators).toEqual(uninterrupted.indicators);
    expect(restored.alerts).toEqual(uninterrupted.alerts);
  });
});

describe('bars with a lateness, trade by trade', () => {
  const trade = tradeAt;
  // 1s bars, 500 ms lateness: bar 0 turns final at the first trade at or after 1,500 ms, bar 1 at 2,500 ms
  const ticks = [
    trade(100, 10, 'a'),
    trade(1_100, 20, 'b'), // bar 1 opens; bar 0 is still open (watermark 600): bar 1 waits
    trade(900, 14, 'c'), // late within the lateness: bar 0's close is now 14
    trade(1_600, 22, 'd'), // watermark 1,100: bar 0 final, then bar 1's first computed update
    trade(2_100, 30, 'e'), // bar 2 opens and waits
    trade(1_900, 24, 'f'), // late within the lateness: bar 1's close is now 24, and bar 1 is still computed
    trade(2_600, 31, 'g'), // watermark 2,100: bar 1 final (close 24), bar 2 computed on it
    trade(1_500, 99, 'h'), // later than the lateness (bar 1 final, no grace): the late output, nothing changes
    trade(3_200, 40, 'i'), // bar 3 opens and waits until the flush
  ];
  const config: EngineConfigInput = {
    bars: { intervals: ['1s'], firstBar: 'keep', allowedLatenessMs: 500 },
    indicators: ['sma(2)'],
  };
  const rules = [
    rule('sma-every', {
      interval: '1s',
      source: { kind: 'indicator', spec: 'sma(2)' },
      condition: { operator: 'greater_than', value: 0 },
      frequency: 'every_time',
    }),
  ];

  it('puts late trades within the lateness into their open bar and computes every bar once, in order', () => {
    const { bars, indicators, alerts, late } = run(config, rules, ticks);
    expect(
      finals(bars).map(({ openTime, open, high, low, close, trades }) => [
        openTime,
        open,
        high,
        low,
        close,
        trades,
      ]),
    ).toEqual([
      [0, 10, 14, 10, 14, 2],
      [1_000, 20, 24, 20, 24, 3],
      [2_000, 30, 31, 30, 31, 2],
      [3_000, 40, 40, 40, 40, 1],
    ]);
    expect(indicators.map((value) => [value.openTime, value.outputs.value])).toEqual([
      [1_000, (14 + 24) / 2],
      [2_000, (24 + 31) / 2],
      [3_000, (31 + 40) / 2],
    ]);
    // sma(2) as the rule saw it: bar 1 forming from trade d (on bar 0's final close 14, late trade c in it),
    // again at its late trade f, final; bar 2 from trade g on bar 1's final close; bar 3 only at its final
    const seen = alerts.flatMap((event) =>
      event.kind === 'fired' && event.trigger.kind === 'bar'
        ? [[event.trigger.openTime, event.trigger.final, event.current]]
        : [],
    );
    expect(seen).toEqual([
      [1_000, false, (14 + 22) / 2],
      [1_000, false, (14 + 24) / 2],
      [1_000, true, (14 + 24) / 2],
      [2_000, false, (24 + 31) / 2],
      [2_000, true, (24 + 31) / 2],
      [3_000, true, (31 + 40) / 2],
    ]);
    expect(late.map((tick) => [tick.code, tick.tick.tradeId, tick.barOpenTime])).toEqual([
      ['NXR_LATE_TICK', 'h', 1_000],
    ]);
  });

  it('gives the same outputs restored before any trade', () => {
    const { output: _, ...outputs } = run(config, rules, ticks);
    for (let at = 0; at < ticks.length; at++) {
      const { output: _, ...restored } = run(config, rules, ticks, (index) => index === at);
      expect({ at, ...restored }).toEqual({ at, ...outputs });
    }
  });
});

describe('bars with a lateness longer than the interval, trades out of order within it', () => {
  /** 2,000 trades over ~3 min, a few seconds empty (flat bars), each up to 2.5 s behind the newest: none late */
  const shuffled = (): TradeTick[] => {
    let seed = 17;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    let newest = 1_000;
    return Array.from({ length: 2_000 }, (_, i) => {
      newest += random() < 0.01 ? 3_000 : Math.floor(random() * 150);
      const ms = newest - Math.floor(random() * 2_500);
      return {
        kind: 'trade',
        venue: 'binance',
        symbol: 'BTCUSDT',
        tradeId: String(i),
        timeUs: ms * 1000 + i,
        price: 100 + Math.floor(random() * 1_000) / 100,
        size: 1,
        aggressor: 'sell',
      };
    });
  };
  const config: EngineConfigInput = {
    bars: { intervals: ['1s', '5s'], firstBar: 'keep', allowedLatenessMs: 2_500 },
    indicators: ['sma(3)', 'ema(4)'],
  };

  it('computes each final bar once, in order: the values of the indicators over the final bars', () => {
    const ticks = shuffled();
    const { bars, indicators, late } = run(config, [], ticks);
    expect(late).toEqual([]);
    for (const interval of ['1s', '5s']) {
      const closed = finals(bars).filter((bar) => bar.interval === interval);
      expect(closed.map((bar) => bar.openTime)).toEqual(
        closed.map((bar) => bar.openTime).sort((a, b) => a - b),
      );
      // (12 empty 1s bars: flat bars made in a gap while the bar before it was open, final in order)
      if (interval === '1s') expect(closed.filter((bar) => bar.trades === 0)).toHaveLength(12);
      for (const spec of ['sma(3)', 'ema(4)']) {
        const indicator = createIndicator(spec);
        const expected = closed.flatMap((bar) => {
          const value = indicator.add(bar);
          return value === null ? [] : [[bar.openTime, value]];
        });
        const actual = indicators
          .filter((value) => value.interval === interval && value.spec === spec)
          .map((value) => [value.openTime, value.outputs.value]);
        expect(actual, `${interval} ${spec}`).toEqual(expected);
      }
    }
  });

  it('gives the same outputs restored every 97 trades', () => {
    const ticks = shuffled();
    const { output: _, ...outputs } = run(config, [], ticks);
    const { output: __, ...restored } = run(config, [], ticks, (index) => index % 97 === 0);
    expect(restored).toEqual(outputs);
  });
});

describe('bars with a lateness, when a late trade can still open an older bar', () => {
  const trade = tradeAt;
  // 1s bars, 500 ms lateness, no flat bars. Bar 10 (the first trade's) has no older bar, but trade y (9,700,
  // above the watermark 9,600) opens bar 9 before it; bar 13 follows a gap, and trade x (12,700, above the
  // watermark 12,600) opens bar 12 in it. A bar taken while the interval before it is short of the watermark
  // would leave such an older bar out of the indicators.
  const ticks = [
    trade(10_100, 10, 'a'),
    trade(9_700, 9, 'y'),
    trade(13_100, 20, 'b'),
    trade(12_700, 15, 'x'),
    trade(13_200, 21, 'c'),
  ];
  const config: EngineConfigInput = {
    bars: { intervals: ['1s'], firstBar: 'keep', allowedLatenessMs: 500, emptyIntervals: 'skip' },
    indicators: ['sma(2)'],
  };
  const rules = [
    rule('sma-every', {
      interval: '1s',
      source: { kind: 'indicator', spec: 'sma(2)' },
      condition: { operator: 'greater_than', value: 0 },
      frequency: 'every_time',
    }),
    rule('close-every', {
      interval: '1s',
      source: { kind: 'bar', field: 'close' },
      condition: { operator: 'greater_than', value: 0 },
      frequency: 'every_time',
    }),
  ];

  it('waits until the interval before a bar is past the watermark: the bars opened late are computed first', () => {
    const { indicators } = run(config, rules, ticks);
    // sma(2) over the final closes 9, 10, 15, 21 in open-time order (bar 9 has one bar before it: none)
    expect(indicators.map((value) => [value.openTime, value.outputs.value])).toEqual([
      [10_000, 9.5],
      [12_000, 12.5],
      [13_000, 18],
    ]);
  });

  it('gives the same outputs restored before any trade', () => {
    const { output: _, ...outputs } = run(config, rules, ticks);
    for (let at = 0; at < ticks.length; at++) {
      const { output: _, ...restored } = run(config, rules, ticks, (index) => index === at);
      expect({ at, ...restored }).toEqual({ at, ...outputs });
    }
  });
});
