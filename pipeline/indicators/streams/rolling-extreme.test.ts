import { describe, expect, it } from 'vitest';
import { RollingExtreme } from './rolling-extreme.js';

const naive = (values: readonly number[], period: number, pick: (...v: number[]) => number) =>
  values.map((_, i) => (i + 1 < period ? null : pick(...values.slice(i + 1 - period, i + 1))));

describe('RollingExtreme', () => {
  it('tracks the highest and lowest of the last 4 values, including ties and falling runs', () => {
    const values = [5, 3, 3, 8, 1, 1, 9, 2, 2, 2, 7, 0, 6, 6];
    const highest = new RollingExtreme(4, 'highest');
    const lowest = new RollingExtreme(4, 'lowest');
    expect(values.map((v) => highest.update(v, false))).toEqual(naive(values, 4, Math.max));
    expect(values.map((v) => lowest.update(v, false))).toEqual(naive(values, 4, Math.min));
  });

  it('replaces the forming value without touching the settled ones', () => {
    const highest = new RollingExtreme(3, 'highest');
    highest.update(4, false);
    highest.update(6, false);
    expect(highest.update(9, false)).toBe(9);
    expect(highest.update(1, true)).toBe(6);
    expect(highest.update(2, false)).toBe(6);
    expect(highest.update(3, false)).toBe(3);
  });

  it('with a period of 1 is the last value', () => {
    const lowest = new RollingExtreme(1, 'lowest');
    expect([3, 1, 2].map((v) => lowest.update(v, false))).toEqual([3, 1, 2]);
    expect(lowest.update(7, true)).toBe(7);
  });
});
