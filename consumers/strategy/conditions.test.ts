import { describe, expect, it } from 'vitest';
import type { StrategyCondition } from '../../schemas/strategy.js';
import { holds } from './conditions.js';

const fast = { kind: 'indicator', spec: 'ema(5)', output: 'value' } as const;
const slow = { kind: 'indicator', spec: 'ema(20)', output: 'value' } as const;
const up: StrategyCondition = { source: fast, operator: 'crossing_up', value: slow };
const frame = (now: [number, number], previous?: [number, number]) => ({
  now: new Map([
    ['ema(5).value', now[0]],
    ['ema(20).value', now[1]],
  ]),
  previous:
    previous &&
    new Map([
      ['ema(5).value', previous[0]],
      ['ema(20).value', previous[1]],
    ]),
  history: () => [],
});

describe('strategy conditions (ta.crossover semantics on final bars)', () => {
  it('crossing_up: a > b now and a ≤ b on the previous bar', () => {
    expect(holds(up, frame([101, 100], [99, 100]))).toBe(true);
    expect(holds(up, frame([101, 100], [100, 100]))).toBe(true);
    expect(holds(up, frame([100, 100], [99, 100]))).toBe(false); // touching is not crossing
    expect(holds(up, frame([102, 100], [101, 100]))).toBe(false); // already above
    expect(holds(up, frame([101, 100]))).toBe(false); // no previous bar
    expect(holds(up, frame([101, Number.NaN], [99, 100]))).toBe(false); // not warm
  });

  it('all / any combine comparisons with numbers', () => {
    const above = { source: fast, operator: 'greater_than', value: 100 } as const;
    const below = { source: slow, operator: 'less_than', value: 50 } as const;
    expect(holds({ all: [up, above] }, frame([101, 100], [99, 100]))).toBe(true);
    expect(holds({ all: [up, below] }, frame([101, 100], [99, 100]))).toBe(false);
    expect(holds({ any: [below, above] }, frame([101, 100]))).toBe(true);
  });

  it('moving_up_percent compares with the lowest of the previous N closes', () => {
    const rise: StrategyCondition = {
      source: { kind: 'bar', field: 'close' },
      operator: 'moving_up_percent',
      percent: 1,
      bars: 3,
    };
    const at = (close: number, past: number[]) => ({
      now: new Map([['bar.close', close]]),
      previous: undefined,
      history: (_: string, bars: number) => past.slice(-bars),
    });
    expect(holds(rise, at(101, [100, 102, 103]))).toBe(true);
    expect(holds(rise, at(100.9, [100, 102, 103]))).toBe(false);
  });
});
