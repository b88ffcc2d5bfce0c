import { describe, expect, it } from 'vitest';
import { isNexuralError } from './errors.js';
import { parseStrategy, strategySchema } from './strategy.js';

const issueExample = {
  name: 'ema-cross',
  venue: 'binance',
  symbol: 'BTCUSDT',
  interval: '1m',
  direction: 'long',
  entry: {
    source: { kind: 'indicator', spec: 'ema(5)', output: 'value' },
    operator: 'crossing_up',
    value: { kind: 'indicator', spec: 'ema(20)', output: 'value' },
  },
  exit: {
    source: { kind: 'indicator', spec: 'ema(5)', output: 'value' },
    operator: 'crossing_down',
    value: { kind: 'indicator', spec: 'ema(20)', output: 'value' },
  },
  size: { quote: 1000 },
  feeBps: 5,
  slippageBps: 0,
  startingEquity: 10000,
};

const pathOf = (input: unknown): string => {
  try {
    parseStrategy(input);
  } catch (error) {
    if (isNexuralError(error)) return (error.details.path as (string | number)[]).join('.');
    throw error;
  }
  return '(valid)';
};

describe('strategySchema', () => {
  it('accepts the issue’s example and fills the defaults', () => {
    const strategy = parseStrategy(issueExample);
    expect(strategy.entry).toEqual(issueExample.entry);
    expect(strategy.size).toEqual({ quote: 1000 });
    expect(strategy).toMatchObject({
      cooldownBars: 0,
      maxOpenPositions: 1,
      signalOnly: false,
      evaluate: 'bar_close',
    });
  });

  it('accepts all/any groups, ATR stops, trailing stops and both directions', () => {
    const strategy = strategySchema.parse({
      ...issueExample,
      direction: 'both',
      entry: {
        all: [
          issueExample.entry,
          { any: [{ source: { kind: 'indicator', spec: 'rsi(14)' }, operator: 'less_than', value: 70 }] },
        ],
      },
      shortEntry: { source: { kind: 'price' }, operator: 'moving_down_percent', percent: 1, bars: 5 },
      stopLoss: { atr: 2 },
      takeProfit: { percent: 3 },
      trailingStop: { percent: 1.5 },
      size: { percentEquity: 25 },
    });
    expect(strategy.stopLoss).toEqual({ atr: 2, atrPeriod: 14 });
    expect(strategy.entry).toMatchObject({ all: [{ operator: 'crossing_up' }, { any: [{ value: 70 }] }] });
  });

  it('names the path of a bad field, inside all/any too', () => {
    expect(pathOf({ ...issueExample, entry: { ...issueExample.entry, operator: 'bogus' } })).toBe(
      'entry.operator',
    );
    expect(
      pathOf({
        ...issueExample,
        entry: {
          all: [issueExample.entry, { ...issueExample.entry, value: { kind: 'indicator', spec: 'EMA' } }],
        },
      }),
    ).toBe('entry.all.1.value.spec');
    expect(pathOf({ ...issueExample, size: { quote: -5 } })).toBe('size.quote');
    expect(pathOf({ ...issueExample, feeBps: -1 })).toBe('feeBps');
    expect(pathOf({ ...issueExample, symbols: ['ETHUSDT'] })).toBe('symbol');
    expect(pathOf({ ...issueExample, direction: 'both' })).toBe('shortEntry');
    expect(pathOf({ ...issueExample, stopLoss: { atr: 0 } })).toBe('stopLoss.atr');
  });

  it('rejects unknown size and distance shapes', () => {
    expect(strategySchema.safeParse({ ...issueExample, size: { quote: 1, base: 1 } }).success).toBe(false);
    expect(strategySchema.safeParse({ ...issueExample, stopLoss: { pips: 3 } }).success).toBe(false);
  });
});
