import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertRuleInput } from '../../schemas/alert-rule.js';
import { AlertEngine } from './engine.js';
import { PRICE_SERIES, type SeriesPoint } from './series-point.js';
import { T0, testRule } from './testing/alert-fixtures.js';

const tradePoint = (value: number, time: number, tradeId: number): SeriesPoint => ({
  venue: 'binance',
  symbol: 'BTCUSDT',
  interval: '1m',
  series: PRICE_SERIES,
  value,
  bar: {
    openTime: time - (time % 60_000),
    final: false,
    revision: 0,
    open: 0,
    high: 0,
    low: 0,
    close: 0,
    volume: 0,
  },
  trigger: { kind: 'tick', tradeId: String(tradeId), timeUs: time * 1000, price: value },
  sourcePosition: null,
  time,
});

const quietly = (engine: AlertEngine, point: SeriesPoint): boolean => engine.passQuietly(point);

describe('AlertEngine.passQuietly', () => {
  it('passes a trade that crosses no threshold and refuses one that crosses', () => {
    const engine = new AlertEngine([testRule({ condition: { operator: 'crossing_up', value: 100 } })]);
    expect(quietly(engine, tradePoint(98, T0, 1))).toBe(true);
    expect(quietly(engine, tradePoint(99, T0 + 1, 2))).toBe(true);
    expect(quietly(engine, tradePoint(101, T0 + 2, 3))).toBe(false);
    expect(engine.evaluate(tradePoint(101, T0 + 2, 3))).toMatchObject([{ kind: 'fired', previous: 99 }]);
  });

  it('refuses when a rule of another kind could hold, or a rule expires', () => {
    const above = new AlertEngine([testRule({ condition: { operator: 'greater_than', value: 1000 } })]);
    expect(quietly(above, tradePoint(5, T0, 1))).toBe(false);
    const expiring = new AlertEngine([
      testRule({ condition: { operator: 'crossing', value: 100 }, expiresAt: T0 + 10 }),
    ]);
    expect(quietly(expiring, tradePoint(5, T0 + 10, 1))).toBe(true);
    expect(quietly(expiring, tradePoint(5, T0 + 11, 2))).toBe(false);
  });

  it('leaves the same events, state and stats as evaluating every point (random rules, trades, a rule change)', () => {
    const ruleArb = fc.record({
      operator: fc.constantFrom('crossing', 'crossing_up', 'crossing_down', 'entering_channel', 'less_than'),
      level: fc.integer({ min: 90, max: 110 }),
      width: fc.integer({ min: 1, max: 5 }),
      frequency: fc.constantFrom('every_time', 'once_per_bar', 'once'),
      expiresAfter: fc.option(fc.integer({ min: 0, max: 400_000 })),
    });
    fc.assert(
      fc.property(
        fc.array(ruleArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 85, max: 115 }), { minLength: 1, maxLength: 60 }),
        (specs, prices) => {
          const rules: AlertRuleInput[] = specs.map((spec, index) =>
            testRule({
              id: `r${index}`,
              frequency: spec.frequency,
              expiresAt: spec.expiresAfter === null ? undefined : T0 + spec.expiresAfter,
              condition:
                spec.operator === 'entering_channel'
                  ? { operator: spec.operator, lower: spec.level, upper: spec.level + spec.width }
                  : { operator: spec.operator, value: spec.level },
            }),
          );
          const everyPoint = new AlertEngine(rules);
          const quiet = new AlertEngine(rules);
          const probe = quiet.intrabarProbe('binance', 'BTCUSDT', '1m', PRICE_SERIES);
          const changeAt = prices.length >> 1;
          prices.forEach((price, index) => {
            // Halfway, the first rule leaves and comes back: the probe must find the series afresh.
            if (index === changeAt) {
              for (const engine of [everyPoint, quiet]) engine.removeRule('r0');
            }
            if (index === changeAt + 1 && rules[0]) {
              for (const engine of [everyPoint, quiet]) engine.upsertRule(rules[0]);
            }
            const point = tradePoint(price, T0 + index * 7_000, index);
            probe.value = point.value;
            probe.time = point.time;
            const expected = everyPoint.evaluate(point);
            const actual = quiet.passQuietly(index % 3 === 0 ? point : probe) ? [] : quiet.evaluate(point);
            expect(actual).toEqual(expected);
          });
          expect(quiet.snapshot()).toEqual(everyPoint.snapshot());
          expect(quiet.stats).toEqual(everyPoint.stats);
        },
      ),
      { numRuns: 300 },
    );
  });
});
