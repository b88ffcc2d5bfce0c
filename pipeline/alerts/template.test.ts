import { describe, expect, it } from 'vitest';
import { alertRuleSchema } from '../../schemas/alert-rule.js';
import type { SeriesPoint } from './series-point.js';
import { compileTemplate, TEMPLATE_PLACEHOLDERS } from './template.js';
import { T0, testRule } from './testing/alert-fixtures.js';

const rule = alertRuleSchema.parse(
  testRule({ id: 'btc-62k', owner: 'alice', condition: { operator: 'crossing_up', value: 62_000 } }),
);
const compile = (message: string) => compileTemplate({ ...rule, message });
const point: SeriesPoint = {
  venue: 'binance-um',
  symbol: 'BTCUSDT',
  interval: '1m',
  series: 'price',
  value: 61_839.9,
  // Binance UM BTCUSDT 1m kline 2024-08-08 23:55 (../shared/data klines file)
  bar: {
    openTime: T0,
    final: false,
    revision: 3,
    open: 61_800.3,
    high: 61_839.9,
    low: 61_780.1,
    close: 61_839.9,
    volume: 152.61,
  },
  trigger: { kind: 'tick', tradeId: '5266590001', timeUs: (T0 + 42_123) * 1000, price: 61_839.9 },
  sourcePosition: null,
  time: T0 + 42_123,
};

describe('compileTemplate', () => {
  it('fills every placeholder', () => {
    const template = TEMPLATE_PLACEHOLDERS.filter((name) => name !== 'lower' && name !== 'upper')
      .map((name) => `${name}={{${name}}}`)
      .join(' ');
    expect(compile(template)({ point, previous: 61_799.5 })).toBe(
      'symbol=BTCUSDT venue=binance-um interval=1m value=61839.9 previous=61799.5 close=61839.9 open=61800.3 ' +
        'high=61839.9 low=61780.1 volume=152.61 time=2024-08-08T23:55:42.123Z operator=crossing up ' +
        'rule=btc-62k owner=alice threshold=62000',
    );
  });

  it("prints a numeric channel's edges in {{lower}} {{upper}} and refuses them for other operators", () => {
    const channel = {
      ...rule,
      condition: { operator: 'outside_channel', lower: 61_000, upper: 62_000 },
    } as const;
    expect(
      compileTemplate({ ...channel, message: '{{lower}}/{{upper}} {{threshold}}' })({
        point,
        previous: null,
      }),
    ).toBe('61000/62000 61000..62000');
    expect(() => compile('{{lower}}')).toThrowError('placeholder {{lower}} is for channel operators');
  });

  it('renders the default message and a missing previous value', () => {
    expect(compileTemplate(rule)({ point, previous: null })).toBe('BTCUSDT crossing up 62000 on 1m: 61839.9');
    expect(compile('was {{previous}}')({ point, previous: null })).toBe('was none');
  });

  it('keeps text without placeholders, tolerates spaces inside braces, and fills rule-only templates', () => {
    expect(compile('plain text')({ point, previous: null })).toBe('plain text');
    expect(compile('{{ symbol }}!')({ point, previous: null })).toBe('BTCUSDT!');
    expect(compile('{{rule}}')({ point, previous: null })).toBe('btc-62k');
  });

  it('refuses an unknown placeholder with NXR_RULE_INVALID, naming it and the known ones', () => {
    expect(() => compile('{{symbol}} at {{prise}}')).toThrowError(
      /unknown placeholder "\{\{prise\}\}" in message; known: \{\{symbol\}\} \{\{venue\}\}/,
    );
  });
});
