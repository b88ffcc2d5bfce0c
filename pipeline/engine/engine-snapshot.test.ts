import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertRuleInput } from '../../schemas/alert-rule.js';
import type { SourcePosition } from '../../schemas/dead-letter.js';
import { isNexuralError } from '../../schemas/errors.js';
import type { TradeTick } from '../../schemas/tick.js';
import { ALL_FREQUENCIES, BTC_PRICE_CONDITIONS } from '../alerts/testing/alert-fixtures.js';
import { indicatorNames } from '../indicators/registry.js';
import { readTradeFile } from '../readers/read-trades.js';
import type { EngineConfigInput } from './engine-config.js';
import type { EngineOutput } from './engine-output.js';
import {
  decodeEngineSnapshot,
  type EngineSnapshot,
  encodeEngineSnapshot,
  parseEngineSnapshot,
} from './engine-snapshot.js';
import { MarketEngine } from './market-engine.js';

// Real Binance BTCUSDT trades of 2024-08-08/09 (see ../shared/data/README.md): USDⓈ-M futures 23:54:16 →
// 23:59:59 and spot 23:54:15 → 00:05:05, merged by event time as one partition would interleave them.
const dataFile = (name: string) => fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));
const files = [
  { venue: 'binance-um', file: 'binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv' },
  { venue: 'binance', file: 'binance_spot_BTCUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv' },
];

/** A record of the partition: a trade, or the processor's event-time clock at a whole second. */
type Step = { readonly tick: TradeTick; readonly position: SourcePosition } | { readonly clockMs: number };
let steps: Step[] = [];

beforeAll(async () => {
  const ticks: TradeTick[] = [];
  for (const { venue, file } of files) {
    const options = { format: 'binance-trades', venue, symbol: 'BTCUSDT' } as const;
    for await (const tick of readTradeFile(dataFile(file), options)) ticks.push(tick);
  }
  ticks.sort((a, b) => a.timeUs - b.timeUs);
  steps = [];
  let second = 0;
  for (const [offset, tick] of ticks.entries()) {
    const tickSecond = Math.floor(tick.timeUs / 1_000_000);
    if (second !== 0 && tickSecond > second) steps.push({ clockMs: tickSecond * 1000 - 300 });
    second = tickSecond;
    steps.push({ tick, position: { topic: 'nexural.trades.raw', partition: 0, offset: String(offset) } });
  }
}, 60_000);

const config: EngineConfigInput = {
  bars: { intervals: ['1s', '1m', '100t'], allowedLatenessMs: 100, graceMs: 500, firstBar: 'skip' },
  indicators: [...indicatorNames],
  liveBarThrottleMs: 250,
};

const priceConditions = BTC_PRICE_CONDITIONS;
const frequencies = ALL_FREQUENCIES;
const intervals = ['1s', '1m', '100t'] as const;

/** Every operator at every frequency on price, and indicator rules (configured and rule-only indicators). */
const rules: AlertRuleInput[] = [
  ...priceConditions.flatMap((condition, c) =>
    frequencies.map(
      (frequency, f): AlertRuleInput => ({
        id: `price-${condition.operator}-${frequency}`,
        owner: 'snapshot-test',
        symbol: (c + f) % 3 === 0 ? '*' : 'BTCUSDT',
        interval: intervals[(c + f) % 3] ?? '1s',
        source: { kind: 'price' },
        condition,
        frequency,
        cooldownMs: f === 3 && c % 2 === 0 ? 20_000 : 0,
      }),
    ),
  ),
  ...(
    [
      ['rsi', 'value', '1m', 'once_per_bar_close', { operator: 'crossing', value: 50 }],
      ['rsi', 'value', '1s', 'every_time', { operator: 'greater_than', value: 60 }],
      ['rsi', 'value', '100t', 'once_per_bar', { operator: 'moving_up', amount: 15, bars: 4 }],
      ['macd', 'hist', '1s', 'once_per_bar', { operator: 'crossing', value: 0 }],
      ['macd', 'hist', '100t', 'once_per_bar_close', { operator: 'less_than', value: 0 }],
      ['bbands(5,2)', 'upper', '1s', 'every_time', { operator: 'crossing_up', value: 61_700 }],
      [
        'bbands(5,2)',
        'lower',
        '1m',
        'once_per_bar',
        { operator: 'inside_channel', lower: 61_600, upper: 61_700 },
      ],
      ['stoch', 'k', '100t', 'once_per_bar', { operator: 'entering_channel', lower: 20, upper: 80 }],
      ['stoch', 'k', '1s', 'once', { operator: 'exiting_channel', lower: 20, upper: 80 }],
    ] as const
  ).map(
    ([spec, output, interval, frequency, condition], index): AlertRuleInput => ({
      id: `indicator-${index}`,
      owner: 'snapshot-test',
      symbol: index % 2 === 0 ? '*' : 'BTCUSDT',
      interval,
      source: { kind: 'indicator', spec, output },
      condition,
      frequency,
    }),
  ),
];

/** Rules comparing two series (one group per pair or channel), over a symbols list and `*` too. */
const seriesRules: AlertRuleInput[] = [
  {
    id: 'series-price-sma',
    source: { kind: 'price' },
    condition: { operator: 'crossing', value: { kind: 'indicator', spec: 'sma(20)', output: 'value' } },
    interval: '1s',
    frequency: 'once_per_bar',
  },
  {
    id: 'series-macd-signal',
    source: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'macd' },
    condition: {
      operator: 'crossing_down',
      value: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'signal' },
    },
    interval: '1s',
    frequency: 'once_per_bar_close',
  },
  {
    id: 'series-close-bands',
    symbols: ['BTCUSDT', 'ETHUSDT'],
    source: { kind: 'bar', field: 'close' },
    condition: {
      operator: 'outside_channel',
      lower: { kind: 'indicator', spec: 'bbands(20,2)', output: 'lower' },
      upper: { kind: 'indicator', spec: 'bbands(20,2)', output: 'upper' },
    },
    interval: '100t',
    frequency: 'once_per_bar',
  },
  {
    id: 'series-ema-minute',
    symbol: '*',
    source: { kind: 'price' },
    condition: { operator: 'greater_than', value: { kind: 'indicator', spec: 'ema(10)', output: 'value' } },
    interval: '1s',
    frequency: 'once_per_minute',
  },
  {
    id: 'series-high-enter',
    source: { kind: 'bar', field: 'high' },
    condition: {
      operator: 'entering_channel',
      lower: { kind: 'indicator', spec: 'bbands(5,2)', output: 'middle' },
      upper: 70_000,
    },
    interval: '1s',
    frequency: 'every_time',
  },
].map((rule) => ({ owner: 'snapshot-test', symbol: 'BTCUSDT', ...rule }) as AlertRuleInput);
rules.push(...seriesRules.map((rule) => ('symbols' in rule ? { ...rule, symbol: undefined } : rule)));

/** Every output, serialised as emitted, in order: bars (their immutable copy), indicator values, alerts, late ticks. */
function recorder(): { output: EngineOutput; lines: string[] } {
  const lines: string[] = [];
  const output: EngineOutput = {
    bar: (bar, position) => lines.push(JSON.stringify(['bar', bar.toBar(), position])),
    indicator: (value, position) => lines.push(JSON.stringify(['indicator', value, position])),
    alert: (event) => lines.push(JSON.stringify(['alert', event])),
    late: (late, position) => lines.push(JSON.stringify(['late', late, position])),
  };
  return { output, lines };
}

const apply = (engine: MarketEngine, from: number, to: number): void => {
  for (let index = from; index < to; index++) {
    const step = steps[index];
    if (!step) continue;
    if ('tick' in step) engine.add(step.tick, step.position);
    else engine.advanceWatermark(step.clockMs);
  }
};

/** What a snapshot goes through between a processor and its successor: v8 bytes, then validation. */
const roundTrip = (snapshot: EngineSnapshot): EngineSnapshot =>
  decodeEngineSnapshot(encodeEngineSnapshot(snapshot));

describe('MarketEngine snapshot and restore on real Binance trades', () => {
  let whole: string[] = [];
  beforeAll(() => {
    const { output, lines } = recorder();
    const engine = new MarketEngine(config, output, rules);
    apply(engine, 0, steps.length);
    engine.flush();
    whole = lines;
  }, 60_000);

  it('the fixture emits bars of every interval, every indicator, rule-only indicators and alerts', () => {
    const kinds = new Set(whole.map((line) => line.slice(2, line.indexOf('"', 2))));
    expect(kinds).toEqual(new Set(['bar', 'indicator', 'alert']));
    const specs = new Set(
      whole.filter((line) => line.startsWith('["indicator"')).map((line) => JSON.parse(line)[1].spec),
    );
    expect(specs.size).toBe(indicatorNames.length);
    const fired = new Set(
      whole.filter((line) => line.startsWith('["alert"')).map((line) => JSON.parse(line)[1].ruleId as string),
    );
    const priceFired = [...fired].filter((id) => id.startsWith('price-'));
    expect(new Set(priceFired.map((id) => id.split('-')[1]))).toEqual(
      new Set(priceConditions.map((condition) => condition.operator)),
    );
    expect(new Set(priceFired.map((id) => id.split('-')[2]))).toEqual(new Set(frequencies));
    expect([...fired].filter((id) => id.startsWith('indicator-')).length).toBeGreaterThanOrEqual(6);
    expect([...fired].filter((id) => id.startsWith('series-')).sort()).toEqual(
      seriesRules.map((rule) => rule.id).sort(),
    );
  });

  it('run(all) equals run(prefix) → snapshot → v8 bytes → restore → run(suffix), byte for byte', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: steps.length }), (split) => {
        const { output, lines } = recorder();
        const first = new MarketEngine(config, output, rules);
        apply(first, 0, split);
        const second = MarketEngine.restore(config, output, roundTrip(first.snapshot()));
        apply(second, split, steps.length);
        second.flush();
        expect(lines.length).toBe(whole.length);
        expect(lines.join('\n')).toBe(whole.join('\n'));
      }),
      { numRuns: 6 },
    );
  }, 60_000);

  it('a snapshot is a copy: the engine running on after it does not change what it restores', () => {
    const split = Math.floor(steps.length / 3);
    const first = recorder();
    const engine = new MarketEngine(config, first.output, rules);
    apply(engine, 0, split);
    const snapshot = engine.snapshot();
    const emittedBefore = first.lines.length;
    apply(engine, split, steps.length);
    engine.flush();
    expect(first.lines.join('\n')).toBe(whole.join('\n'));
    const second = recorder();
    const restored = MarketEngine.restore(config, second.output, snapshot);
    apply(restored, split, steps.length);
    restored.flush();
    expect(second.lines.join('\n')).toBe(first.lines.slice(emittedBefore).join('\n'));
    expect(second.lines.length).toBeGreaterThan(whole.length / 2);
  }, 60_000);

  it('a snapshot of the restored engine equals the one it was restored from', () => {
    const first = new MarketEngine(config, recorder().output, rules);
    apply(first, 0, Math.floor(steps.length / 2));
    const snapshot = roundTrip(first.snapshot());
    const restored = MarketEngine.restore(config, recorder().output, snapshot);
    const again = roundTrip(restored.snapshot());
    const sortSeries = (s: EngineSnapshot) => ({
      ...s,
      alerts: {
        ...s.alerts,
        series: [...s.alerts.series].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
      },
    });
    expect(sortSeries(again)).toEqual(sortSeries(snapshot));
  }, 60_000);

  it('refuses a snapshot taken with another config, or of another version', () => {
    const engine = new MarketEngine(config, recorder().output, rules);
    apply(engine, 0, 2_000);
    const snapshot = engine.snapshot();
    const error = (action: () => unknown) => {
      try {
        action();
      } catch (caught) {
        if (isNexuralError(caught)) return { code: caught.code, message: caught.message };
        throw caught;
      }
      throw new Error('accepted');
    };
    expect(
      error(() => MarketEngine.restore({ ...config, liveBarThrottleMs: 0 }, recorder().output, snapshot))
        .code,
    ).toBe('NXR_CONFIG_INVALID');
    expect(error(() => parseEngineSnapshot({ ...snapshot, version: 2 }))).toEqual({
      code: 'NXR_SCHEMA_INVALID',
      message: 'engine snapshot version 2: this build reads version 1',
    });
    const broken = { ...snapshot, series: [{ ...snapshot.series[0], intervals: [{ seq: -1 }] }] };
    expect(error(() => parseEngineSnapshot(broken)).message).toMatch(
      /^invalid engine snapshot: series\.0\.intervals\.0\.seq: /,
    );
  });
});
