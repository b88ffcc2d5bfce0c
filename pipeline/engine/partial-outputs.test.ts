import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import { type IndicatorValue, indicatorValueSchema } from '../../schemas/indicator-value.js';
import type { TradeTick } from '../../schemas/tick.js';
import { MarketEngine } from './market-engine.js';
import { readUmBtcusdtTicks } from './testing/engine-test-kit.js';

let ticks: TradeTick[] = [];
beforeAll(async () => {
  ticks = await readUmBtcusdtTicks();
});

describe('an indicator whose outputs warm up on different bars (adx: ±DI before ADX, as TA-Lib)', () => {
  it('emits ±DI alone from bar N, all three from bar 2N−1, valid indicator values, and alerts wait for ADX', () => {
    const indicators: IndicatorValue[] = [];
    const alerts: AlertEvent[] = [];
    const engine = new MarketEngine(
      { bars: { intervals: ['5s'], firstBar: 'keep' }, indicators: ['adx(5)'] },
      {
        bar: () => {},
        indicator: (value) => indicators.push(value),
        alert: (event) => alerts.push(event),
        late: () => {},
      },
      [
        {
          id: 'adx-above-0',
          owner: 'carol',
          symbol: 'BTCUSDT',
          interval: '5s',
          source: { kind: 'indicator', spec: 'adx(5)', output: 'adx' },
          condition: { operator: 'greater_than', value: 0 },
          frequency: 'once_per_bar_close',
        },
      ],
    );
    for (const [index, tick] of ticks.entries()) {
      engine.add(tick, { topic: 'nexural.trades.raw', partition: 0, offset: String(index) });
    }
    engine.flush();

    const adx = indicators.filter((value) => value.spec === 'adx(5)');
    expect(adx.length).toBeGreaterThan(20);
    for (const value of adx) expect(indicatorValueSchema.parse(value)).toEqual(value);
    // Bar 5 (0-based) is the first with ±DI, bar 9 the first with ADX.
    expect(adx.slice(0, 4).map((value) => Object.keys(value.outputs))).toEqual(
      Array.from({ length: 4 }, () => ['plusDi', 'minusDi']),
    );
    expect(Object.keys(adx[4]?.outputs ?? {})).toEqual(['adx', 'plusDi', 'minusDi']);
    const firstAdxBar = adx[4]?.openTime;
    const fired = alerts.flatMap((event) =>
      event.kind === 'fired' && event.trigger.kind === 'bar' ? [event.trigger.openTime] : [],
    );
    expect(fired.length).toBeGreaterThan(0);
    expect(fired[0]).toBe(firstAdxBar);
  });
});
