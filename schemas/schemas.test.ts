import { describe, expect, it } from 'vitest';
import { alertRuleSchema } from './alert-rule.js';
import { barSchema } from './bar.js';
import { parseInterval } from './interval.js';
import { jsonSchemaOf, registeredSchemas } from './json-schema.js';
import { rawTradeSchema, tradeTickSchema } from './tick.js';
import { topicNames } from './topics.js';
import { parseOrThrow } from './validate.js';

// A real Binance USDⓈ-M trade: ../shared/data/binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv, first row.
const binanceTrade = {
  venue: 'binance-um',
  symbol: 'BTCUSDT',
  tradeId: 5266583935,
  time: 1723161256322,
  price: '61151.40',
  size: '0.002',
  side: 'sell',
};

describe('rawTradeSchema', () => {
  it('turns plain JSON with decimal strings into a canonical trade tick in µs', () => {
    expect(rawTradeSchema.parse(binanceTrade)).toEqual({
      kind: 'trade',
      venue: 'binance-um',
      symbol: 'BTCUSDT',
      tradeId: '5266583935',
      timeUs: 1723161256322000,
      price: 61151.4,
      size: 0.002,
      aggressor: 'sell',
    });
  });

  it('accepts µs time and an unknown side', () => {
    const { time: _ms, side: _side, ...rest } = binanceTrade;
    const tick = rawTradeSchema.parse({ ...rest, timeUs: 1723161256322123 });
    expect(tick.timeUs).toBe(1723161256322123);
    expect(tick.aggressor).toBe('unknown');
  });

  it.each([
    [{ price: '-1' }, 'price', 'price must be > 0'],
    [{ price: 'NaN' }, 'price', 'must be a number or a decimal string'],
    [{ size: Number.POSITIVE_INFINITY }, 'size', 'must be a number'],
    [{ time: 1723161256 }, 'time', 'before 1990'],
    [{ time: 1723161256322000 }, 'time', 'after 2200'],
    [{ symbol: 'BTC USDT' }, 'symbol', 'letters, digits'],
  ])('rejects %j at the bad field', (patch, path, message) => {
    const result = rawTradeSchema.safeParse({ ...binanceTrade, ...patch });
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((candidate) => candidate.path.join('.') === path);
    expect(issue?.message).toContain(message);
  });

  it('requires exactly one of time and timeUs', () => {
    const result = rawTradeSchema.safeParse({ ...binanceTrade, timeUs: 1723161256322000 });
    expect(result.error?.issues[0]?.message).toBe('give exactly one of time (ms) or timeUs (µs)');
  });
});

describe('parseOrThrow', () => {
  it('names the path of the bad field in a NXR_SCHEMA_INVALID error', () => {
    expect(() => parseOrThrow(tradeTickSchema, { kind: 'trade' }, 'trade')).toThrow(/invalid trade: venue: /);
  });
});

describe('intervals', () => {
  it('parses time and activity bars', () => {
    expect(parseInterval('1s')).toEqual({ kind: 'time', label: '1s', ms: 1000 });
    expect(parseInterval('4h')).toEqual({ kind: 'time', label: '4h', ms: 14_400_000 });
    expect(parseInterval('100t')).toEqual({ kind: 'tick', label: '100t', trades: 100 });
    expect(parseInterval('2.5v')).toEqual({ kind: 'volume', label: '2.5v', volume: 2.5 });
    expect(parseInterval('1000000q')).toEqual({ kind: 'value', label: '1000000q', value: 1_000_000 });
  });

  it('explains what is wrong with a bad interval', () => {
    expect(parseInterval('2d')).toBe('interval "2d" is longer than 1d');
    expect(parseInterval('1.5m')).toContain('whole number');
    expect(parseInterval('1w')).toContain('is not like');
  });
});

describe('barSchema', () => {
  // Binance's official 1m kline for 2024-08-08T23:55Z (../shared/data/binance_um_BTCUSDT_klines_1m_…csv).
  const bar = {
    venue: 'binance-um',
    symbol: 'BTCUSDT',
    interval: '1m',
    openTime: 1723161300000,
    closeTime: 1723161359999,
    open: 61151.4,
    high: 61190,
    low: 61130,
    close: 61170,
    volume: 100,
    quoteVolume: 6_116_000,
    trades: 10,
    takerBuyVolume: 50,
    final: true,
    revision: 0,
  };

  it('accepts a consistent bar and rejects a high below the close', () => {
    expect(barSchema.parse(bar)).toEqual(bar);
    const result = barSchema.safeParse({ ...bar, high: 61160 });
    expect(result.error?.issues[0]?.path).toEqual(['low']);
  });
});

describe('alertRuleSchema', () => {
  it('applies defaults and rejects an inverted channel', () => {
    const base = { id: 'r1', owner: 'u1', symbol: '*', interval: '1m', source: { kind: 'price' } };
    const rule = alertRuleSchema.parse({ ...base, condition: { operator: 'greater_than', value: 70000 } });
    expect(rule.frequency).toBe('once_per_bar');
    const bad = alertRuleSchema.safeParse({
      ...base,
      condition: { operator: 'inside_channel', lower: 2, upper: 1 },
    });
    expect(bad.error?.issues[0]?.path).toEqual(['condition', 'lower']);
    const unknownOperator = alertRuleSchema.safeParse({
      ...base,
      condition: { operator: 'above', value: 1 },
    });
    expect(unknownOperator.error?.issues[0]?.path).toEqual(['condition', 'operator']);
  });
});

describe('JSON Schema for the registry', () => {
  it('is generated for every registered record type, with field descriptions', () => {
    for (const name of Object.keys(registeredSchemas) as (keyof typeof registeredSchemas)[]) {
      const schema = jsonSchemaOf(name);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
    const bar = jsonSchemaOf('bar') as {
      properties: Record<string, { description?: string }>;
      required: string[];
    };
    expect(bar.properties.openTime?.description).toContain('aligned to the UTC epoch');
    expect(bar.required).toContain('takerBuyVolume');
  });
});

describe('topicNames', () => {
  it('isolates a replay run from live derived topics but shares the raw topics', () => {
    const live = topicNames();
    const run = topicNames('backtest-1');
    expect(live.bars).toBe('nexural.bars');
    expect(run.bars).toBe('nexural.run.backtest-1.bars');
    expect(run.trades).toBe(live.trades);
    expect(() => topicNames('Bad Name')).toThrow(RangeError);
  });
});
