import { describe, expect, it } from 'vitest';
import { alertRuleSchema } from '../../schemas/alert-rule.js';
import { parseRuleText } from './rule-text.js';

describe('the /alerts add rule line', () => {
  it('reads price, bar fields and indicator series, with interval and frequency', () => {
    expect(
      alertRuleSchema.parse(parseRuleText('rsi(14) < 30 on 5m close', 'alice', 'ETHUSDT', 'r1')),
    ).toMatchObject({
      interval: '5m',
      source: { kind: 'indicator', spec: 'rsi(14)', output: 'value' },
      condition: { operator: 'less_than', value: 30 },
      frequency: 'once_per_bar_close',
    });
    expect(parseRuleText('close crosses-above sma(50)', 'alice', 'BTCUSDT', 'r2')).toMatchObject({
      source: { kind: 'bar', field: 'close' },
      condition: { operator: 'crossing_up', value: { kind: 'indicator', spec: 'sma(50)', output: 'value' } },
    });
    expect(parseRuleText('macd(12,26,9).hist crossing 0 once', 'alice', 'BTCUSDT', 'r3')).toMatchObject({
      source: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'hist' },
      frequency: 'once',
    });
  });

  it('names what is wrong', () => {
    expect(() => parseRuleText('price above 5', 'alice', 'BTCUSDT', 'r')).toThrow(
      'write SOURCE OP THRESHOLD',
    );
    expect(() => parseRuleText('price > 5 on 1m loudly', 'alice', 'BTCUSDT', 'r')).toThrow(
      'unexpected "loudly"',
    );
  });
});
