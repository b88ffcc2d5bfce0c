import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { Bar } from '../../schemas/bar.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import type { TradeTick } from '../../schemas/tick.js';
import { BarAggregator } from '../bars/bar-aggregator.js';
import { recordingSink } from '../bars/recording-sink.js';
import { createIndicator } from '../indicators/registry.js';
import type { EngineOutput } from './engine-output.js';
import { MarketEngine } from './market-engine.js';
import { readUmBtcusdtTicks } from './testing/engine-test-kit.js';

interface Recorded {
  readonly output: EngineOutput;
  readonly bars: Bar[];
  readonly indicators: IndicatorValue[];
  readonly alerts: AlertEvent[];
}

const record = (): Recorded => {
  const bars: Bar[] = [];
  const indicators: IndicatorValue[] = [];
  const alerts: AlertEvent[] = [];
  return {
    bars,
    indicators,
    alerts,
    output: {
      bar: (bar) => bars.push(bar.toBar()),
      indicator: (value) => indicators.push(value),
      alert: (event) => alerts.push(event),
      late: () => {},
    },
  };
};

const position = (index: number) => ({ topic: 'nexural.trades.raw', partition: 0, offset: String(index) });

let ticks: TradeTick[] = [];
beforeAll(async () => {
  ticks = await readUmBtcusdtTicks();
});

const run = (rules: unknown[], config: Partial<ConstructorParameters<typeof MarketEngine>[0]> = {}) => {
  const recorded = record();
  const engine = new MarketEngine(
    { bars: { intervals: ['1m', '5s'], firstBar: 'keep' }, indicators: ['sma(3)', 'rsi(5)'], ...config },
    recorded.output,
    rules,
  );
  for (const [index, tick] of ticks.entries()) engine.add(tick, position(index));
  engine.flush();
  return recorded;
};

describe('MarketEngine on real Binance trades', () => {
  it('emits the same final bars as the bar aggregator alone', () => {
    const alone = recordingSink();
    const aggregator = new BarAggregator({ intervals: ['1m', '5s'], firstBar: 'keep' }, alone.sink);
    for (const tick of ticks) aggregator.add(tick);
    aggregator.flush();
    const { bars } = run([]);
    expect(bars.filter((bar) => bar.final)).toEqual(alone.finals());
    expect(alone.finals().filter((bar) => bar.interval === '1m')).toHaveLength(6);
  });

  it('computes configured indicators on final bars exactly as the indicator over those bars', () => {
    const { bars, indicators } = run([]);
    const finals = bars.filter((bar) => bar.final && bar.interval === '5s');
    const rsi = createIndicator('rsi(5)');
    const expected = finals.flatMap((bar) => {
      const value = rsi.add(bar);
      return value === null ? [] : [{ openTime: bar.openTime, value }];
    });
    const actual = indicators
      .filter((value) => value.spec === 'rsi(5)' && value.interval === '5s')
      .map((value) => ({ openTime: value.openTime, value: value.outputs.value }));
    expect(actual).toEqual(expected);
    expect(actual.length).toBe(finals.length - 5);
  });

  it('fires a price crossing rule on exactly the first trade that crosses, with provenance', () => {
    const threshold = 61_700;
    const { alerts } = run([
      {
        id: 'btc-61k',
        owner: 'alice',
        symbol: 'BTCUSDT',
        interval: '1m',
        source: { kind: 'price' },
        condition: { operator: 'crossing_down', value: threshold },
        frequency: 'once',
        message: '{{symbol}} fell through {{threshold}} at {{value}}',
      },
    ]);
    const index = ticks.findIndex(
      (tick, i) => i > 0 && (ticks[i - 1]?.price ?? 0) > threshold && tick.price <= threshold,
    );
    const crossing = ticks[index];
    expect(crossing).toBeDefined();
    const fired = alerts.filter((event) => event.kind === 'fired');
    expect(fired).toHaveLength(1);
    const event = fired[0];
    if (event?.kind !== 'fired' || !crossing) throw new Error('expected a fired event');
    expect(event.current).toBe(crossing.price);
    expect(event.previous).toBe(ticks[index - 1]?.price);
    expect(event.trigger).toEqual({
      kind: 'tick',
      tradeId: crossing.tradeId,
      timeUs: crossing.timeUs,
      price: crossing.price,
    });
    expect(event.sourcePosition).toEqual(position(index));
    expect(event.message).toBe(`BTCUSDT fell through 61700 at ${crossing.price}`);
    expect(alerts.filter((e) => e.kind === 'stopped').map((e) => e.kind === 'stopped' && e.reason)).toEqual([
      'fired_once',
    ]);
  });

  it('reads the forming bars of a series from the trade after a rule on it is added, mid-bar', () => {
    const threshold = 61_700;
    const crossing = ticks.findIndex(
      (tick, i) => i > 0 && (ticks[i - 1]?.price ?? 0) > threshold && tick.price <= threshold,
    );
    const addedAt = crossing - 20;
    expect(addedAt).toBeGreaterThan(0);
    const recorded = record();
    const engine = new MarketEngine(
      { bars: { intervals: ['1m', '5s'], firstBar: 'keep' }, indicators: ['sma(3)', 'rsi(5)'] },
      recorded.output,
    );
    for (const [index, tick] of ticks.entries()) {
      if (index === addedAt) {
        engine.upsertRule({
          id: 'btc-61k',
          owner: 'alice',
          symbol: 'BTCUSDT',
          interval: '1m',
          source: { kind: 'price' },
          condition: { operator: 'crossing_down', value: threshold },
          frequency: 'once',
        });
      }
      engine.add(tick, position(index));
    }
    engine.flush();
    const fired = recorded.alerts.filter((event) => event.kind === 'fired');
    expect(fired.map((event) => event.kind === 'fired' && [event.previous, event.current])).toEqual([
      [ticks[crossing - 1]?.price, ticks[crossing]?.price],
    ]);
    expect(fired[0]?.sourcePosition).toEqual(position(crossing));
  });

  it('fires an indicator rule at bar close where the final indicator values cross', () => {
    const { alerts, indicators } = run([
      {
        id: 'rsi-up',
        owner: 'bob',
        symbol: '*',
        interval: '5s',
        source: { kind: 'indicator', spec: 'rsi(5)' },
        condition: { operator: 'crossing_up', value: 70 },
        frequency: 'once_per_bar_close',
      },
    ]);
    const rsi = indicators.filter((value) => value.spec === 'rsi(5)' && value.interval === '5s');
    const expected = rsi
      .filter(
        (value, i) => i > 0 && (rsi[i - 1]?.outputs.value ?? 0) < 70 && (value.outputs.value ?? 0) >= 70,
      )
      .map((value) => value.openTime);
    expect(expected.length).toBeGreaterThan(0);
    const fired = alerts.flatMap((event) =>
      event.kind === 'fired' && event.trigger.kind === 'bar' ? [event.trigger.openTime] : [],
    );
    expect(fired).toEqual(expected);
  });

  it('canonicalises rule specs and rejects an unknown output', () => {
    const engine = new MarketEngine({ bars: { intervals: ['1m'] } }, record().output);
    const rule = engine.upsertRule({
      id: 'r',
      owner: 'u',
      symbol: 'BTCUSDT',
      interval: '1m',
      source: { kind: 'indicator', spec: 'rsi' },
      condition: { operator: 'greater_than', value: 50 },
    });
    expect(rule.source).toEqual({ kind: 'indicator', spec: 'rsi(14)', output: 'value' });
    expect(() =>
      engine.upsertRule({ ...rule, id: 'bad', source: { kind: 'indicator', spec: 'macd', output: 'value' } }),
    ).toThrow('macd(12,26,9) has no output "value"; outputs: macd, signal, hist');
  });

  it('is deterministic: the same ticks and rules give the same outputs', () => {
    const rules = [
      {
        id: 'every',
        owner: 'u',
        symbol: 'BTCUSDT',
        interval: '5s',
        source: { kind: 'indicator', spec: 'sma(3)' },
        condition: { operator: 'moving_up_percent', percent: 0.01, bars: 3 },
        frequency: 'once_per_bar',
      },
    ];
    expect(JSON.stringify(run(rules))).toBe(JSON.stringify(run(rules)));
  });

  it('computes the same indicator values without live updates: a bar is first emitted final then', () => {
    const live = run([]).indicators;
    const finalsOnly = run([], { bars: { intervals: ['1m', '5s'], firstBar: 'keep', liveUpdates: false } });
    expect(live.length).toBeGreaterThan(60);
    expect(finalsOnly.indicators).toEqual(live);
  });

  it('throttles forming-bar updates by event time but always emits final bars', () => {
    const every = run([], { liveBarThrottleMs: 0 }).bars;
    const throttled = run([], { liveBarThrottleMs: 1000 }).bars;
    const none = run([], { liveBarThrottleMs: -1 }).bars;
    expect(throttled.length).toBeLessThan(every.length);
    expect(none.every((bar) => bar.final)).toBe(true);
    const finals = (bars: Bar[]) => bars.filter((bar) => bar.final);
    expect(finals(throttled)).toEqual(finals(every));
    expect(finals(none)).toEqual(finals(every));
  });
});
