import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BarCloseHistory, MonotonicWindow } from './bar-close-history.js';

describe('MonotonicWindow', () => {
  it('tracks min and max of the last N values', () => {
    const window = new MonotonicWindow(3);
    const seen: Array<[number, number]> = [];
    [5, 3, 8, 6, 7, 1, 9].forEach((value, seq) => {
      window.push(seq, value);
      seen.push([window.min, window.max]);
    });
    // windows: [5] [5,3] [5,3,8] [3,8,6] [8,6,7] [6,7,1] [7,1,9]
    expect(seen).toEqual([
      [5, 5],
      [3, 5],
      [3, 8],
      [3, 8],
      [6, 8],
      [1, 7],
      [1, 9],
    ]);
  });

  it('agrees with min/max over a slice for random series and sizes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 20 }),
        (values, size) => {
          const window = new MonotonicWindow(size);
          values.forEach((value, seq) => {
            window.push(seq, value);
            const slice = values.slice(Math.max(0, seq - size + 1), seq + 1);
            expect([window.min, window.max]).toEqual([Math.min(...slice), Math.max(...slice)]);
          });
        },
      ),
    );
  });
});

const range = (history: BarCloseHistory, bars: number): [number, number] | null => {
  const window = history.extremes(bars);
  return window && [window.min, window.max];
};

describe('BarCloseHistory', () => {
  it('has no extremes before the first close', () => {
    expect(new BarCloseHistory().extremes(3)).toBeNull();
  });

  it('warms a window asked for late from the closes it kept, growing past the default 64', () => {
    const history = new BarCloseHistory();
    for (let close = 1; close <= 100; close++) history.push(close);
    expect(range(history, 3)).toEqual([98, 100]);
    expect(range(history, 80)).toEqual([37, 100]); // only 64 closes were kept
    for (let close = 101; close <= 200; close++) history.push(close);
    expect(range(history, 80)).toEqual([121, 200]);
    expect(history.count).toBe(200);
  });
});
