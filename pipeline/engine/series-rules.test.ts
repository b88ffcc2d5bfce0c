import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { TradeTick } from '../../schemas/tick.js';
import { readTradeFile } from '../readers/read-trades.js';
import type { EngineConfigInput } from './engine-config.js';
import type { EngineOutput } from './engine-output.js';
import { decodeEngineSnapshot, encodeEngineSnapshot } from './engine-snapshot.js';
import { MarketEngine } from './market-engine.js';

// Binance spot BTCUSDT and ETHUSDT trades, 2024-08-08 23:54:15 → 2024-08-09 00:05:05 (../shared/data/README.md).
const dataFile = (symbol: string) =>
  fileURLToPath(
    new URL(
      `../../../shared/data/binance_spot_${symbol}_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv`,
      import.meta.url,
    ),
  );

const config: EngineConfigInput = {
  bars: { intervals: ['5s', '1m'], firstBar: 'keep', emptyIntervals: 'skip' },
  indicators: ['sma(20)'],
};

/** The issue's three rules, exactly as written there, on 5s bars. */
const ISSUE_RULES = [
  {
    id: 'price-over-sma20',
    message: '{{symbol}} {{value}} crossed up SMA(20) {{threshold}}',
    source: { kind: 'price' },
    condition: {
      operator: 'crossing_up',
      value: { kind: 'indicator', spec: 'sma(20)', output: 'value' },
    },
  },
  {
    id: 'macd-signal',
    message: 'MACD {{value}} crossed its signal {{threshold}}',
    source: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'macd' },
    condition: {
      operator: 'crossing',
      value: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'signal' },
    },
  },
  {
    id: 'close-outside-bbands',
    message: 'close {{value}} outside {{threshold}} (lower {{lower}}, upper {{upper}})',
    source: { kind: 'bar', field: 'close' },
    condition: {
      operator: 'outside_channel',
      lower: { kind: 'indicator', spec: 'bbands(20,2)', output: 'lower' },
      upper: { kind: 'indicator', spec: 'bbands(20,2)', output: 'upper' },
    },
  },
].map((rule) => ({ ...rule, owner: 'alice', symbol: 'BTCUSDT', interval: '5s', frequency: 'once_per_bar' }));

const collecting = (events: AlertEvent[]): EngineOutput => ({
  bar: () => {},
  indicator: () => {},
  alert: (event) => events.push(event),
  late: () => {},
});

const fired = (events: readonly AlertEvent[]) => events.filter((event) => event.kind === 'fired');

let btc: TradeTick[] = [];
let eth: TradeTick[] = [];
beforeAll(async () => {
  for await (const tick of readTradeFile(dataFile('BTCUSDT'), {
    format: 'binance-trades',
    venue: 'binance',
    symbol: 'BTCUSDT',
  }))
    btc.push(tick);
  for await (const tick of readTradeFile(dataFile('ETHUSDT'), {
    format: 'binance-trades',
    venue: 'binance',
    symbol: 'ETHUSDT',
  }))
    eth.push(tick);
  btc = btc.slice();
  eth = eth.slice();
});

const run = (rules: readonly unknown[], ticks: readonly TradeTick[]) => {
  const events: AlertEvent[] = [];
  const engine = new MarketEngine(config, collecting(events), rules);
  for (const tick of ticks) engine.add(tick);
  engine.flush();
  return events;
};

describe('series-threshold rules in the MarketEngine', () => {
  it('runs the three rules of the issue as written; {{threshold}} {{lower}} {{upper}} print the series values', () => {
    const events = fired(run(ISSUE_RULES, btc));
    for (const id of ['price-over-sma20', 'macd-signal', 'close-outside-bbands']) {
      expect(events.filter((event) => event.ruleId === id).length, id).toBeGreaterThan(3);
    }
    for (const event of events) {
      if (event.kind !== 'fired') continue;
      const { value, lower, upper } = event.thresholds ?? {};
      if (event.ruleId === 'close-outside-bbands') {
        expect(event.message).toBe(
          `close ${event.current} outside ${lower}..${upper} (lower ${lower}, upper ${upper})`,
        );
        expect(event.current < (lower ?? Number.NaN) || event.current > (upper ?? Number.NaN)).toBe(true);
      } else {
        expect(event.message).toMatch(new RegExp(`${event.current} crossed .* ${value}$`));
        if (event.ruleId === 'price-over-sma20') expect(event.current).toBeGreaterThan(value ?? Number.NaN);
      }
    }
  });

  it('continues from a snapshot exactly as an uninterrupted run', () => {
    const whole = run(ISSUE_RULES, btc);
    const events: AlertEvent[] = [];
    const first = new MarketEngine(config, collecting(events), ISSUE_RULES);
    const half = btc.length >> 1;
    for (const tick of btc.slice(0, half)) first.add(tick);
    const snapshot = decodeEngineSnapshot(encodeEngineSnapshot(first.snapshot()));
    expect(snapshot.alerts.seriesGroups.length).toBeGreaterThan(0);
    const second = MarketEngine.restore(config, collecting(events), snapshot);
    for (const tick of btc.slice(half)) second.add(tick);
    second.flush();
    expect(events).toEqual(whole);
  });

  it('fires a rule over a list of symbols per symbol, as one rule per symbol would', () => {
    // ETHUSDT starts trading three minutes into the file: a symbol that appears later is covered.
    const lateEth = eth.filter((tick) => tick.timeUs >= Date.UTC(2024, 7, 8, 23, 58) * 1000);
    const merged = [...btc, ...lateEth].sort((a, b) => a.timeUs - b.timeUs);
    const base = ISSUE_RULES[0] ?? { id: '' };
    const { symbol: _, ...unscoped } = base as { symbol?: string };
    const listed = fired(run([{ ...unscoped, symbols: ['BTCUSDT', 'ETHUSDT'] }], merged));
    const everySymbol = fired(run([{ ...unscoped, symbol: '*' }], merged));
    const single = fired(
      run(
        [
          { ...base, id: 'btc', symbol: 'BTCUSDT' },
          { ...base, id: 'eth', symbol: 'ETHUSDT' },
        ],
        merged,
      ),
    );
    const key = (event: AlertEvent) => `${event.symbol}@${event.time}`;
    expect(listed.map(key)).toEqual(single.map(key));
    expect(everySymbol.map(key)).toEqual(single.map(key));
    expect(new Set(listed.map((event) => event.symbol))).toEqual(new Set(['BTCUSDT', 'ETHUSDT']));
  });

  it('canonicalises the indicator specs of thresholds and refuses an output the indicator lacks', () => {
    const engine = new MarketEngine(config, collecting([]));
    const base = ISSUE_RULES[1] ?? {};
    const rule = engine.upsertRule({
      ...base,
      source: { kind: 'indicator', spec: 'macd', output: 'macd' },
      condition: { operator: 'crossing', value: { kind: 'indicator', spec: 'macd', output: 'signal' } },
    });
    expect(rule.condition).toEqual({
      operator: 'crossing',
      value: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'signal' },
    });
    expect(() =>
      engine.upsertRule({
        ...base,
        condition: { operator: 'crossing', value: { kind: 'indicator', spec: 'rsi(14)', output: 'signal' } },
      }),
    ).toThrowError('rule macd-signal: rsi(14) has no output "signal"; outputs: value');
  });

  it('evaluates a bar-field source against a number: bar close fires when the price does', () => {
    const prices = btc.map((tick) => tick.price).sort((a, b) => a - b);
    const level = (prices[prices.length >> 1] ?? 0) + 0.005; // the median, between two cent prices
    const rule = (id: string, source: unknown, frequency: string) => ({
      id,
      owner: 'alice',
      symbol: 'BTCUSDT',
      interval: '5s',
      source,
      condition: { operator: 'crossing', value: level },
      frequency,
    });
    const events = fired(
      run(
        [
          rule('close-intrabar', { kind: 'bar', field: 'close' }, 'once_per_bar'),
          rule('price-intrabar', { kind: 'price' }, 'once_per_bar'),
          rule('close-final', { kind: 'bar', field: 'close' }, 'once_per_bar_close'),
          rule('price-final', { kind: 'price' }, 'once_per_bar_close'),
        ],
        btc,
      ),
    );
    const times = (id: string) => events.filter((event) => event.ruleId === id).map((event) => event.time);
    expect(times('close-intrabar').length).toBeGreaterThan(2);
    expect(times('close-intrabar')).toEqual(times('price-intrabar'));
    expect(times('close-final').length).toBeGreaterThan(0);
    expect(times('close-final')).toEqual(times('price-final'));
  });

  it('stops a series rule for every reason: once, expiry, storm guard', () => {
    const middle = btc[btc.length >> 1]?.timeUs ?? 0;
    const expiresAt = Math.floor(middle / 1000);
    const base = ISSUE_RULES[0] ?? {};
    const events = run(
      [
        { ...base, id: 'once', frequency: 'once' },
        { ...base, id: 'expiring', frequency: 'every_time', expiresAt },
        {
          ...base,
          id: 'stormy',
          frequency: 'every_time',
          condition: { operator: 'greater_than', value: { kind: 'bar', field: 'open' } },
        },
      ],
      btc,
    );
    const of = (id: string) => events.filter((event) => event.ruleId === id);
    expect(of('once').map((event) => event.kind)).toEqual(['fired', 'stopped']);
    expect(of('once').at(-1)).toMatchObject({ reason: 'fired_once' });
    const expiring = of('expiring');
    expect(expiring.at(-1)).toMatchObject({ kind: 'stopped', reason: 'expired' });
    expect(expiring.filter((event) => event.kind === 'stopped')).toHaveLength(1);
    expect(expiring.filter((event) => event.kind === 'fired').every((event) => event.time <= expiresAt)).toBe(
      true,
    );
    expect(expiring.filter((event) => event.kind === 'fired').length).toBeGreaterThan(0);
    expect(of('stormy').map((event) => event.kind)).toEqual([...Array(15).fill('fired'), 'stopped']);
  });
});
