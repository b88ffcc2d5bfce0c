import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntervalIndex } from './interval-index.js';

interface Channel {
  readonly lower: number;
  readonly upper: number;
  readonly id: string;
}

const stabbed = (index: IntervalIndex<Channel>, value: number): string[] => {
  const ids: string[] = [];
  index.stab(value, (entry) => ids.push(entry.id));
  return ids.sort();
};

describe('IntervalIndex', () => {
  it('finds the channels containing a value, edges included', () => {
    const index = new IntervalIndex<Channel>();
    index.insert({ lower: 100, upper: 110, id: 'a' });
    index.insert({ lower: 105, upper: 120, id: 'b' });
    index.insert({ lower: 130, upper: 140, id: 'c' });
    expect(stabbed(index, 100)).toEqual(['a']);
    expect(stabbed(index, 110)).toEqual(['a', 'b']);
    expect(stabbed(index, 125)).toEqual([]);
    expect(index.remove(105, 'b')).toBe(true);
    expect(index.remove(105, 'b')).toBe(false);
    expect(stabbed(index, 110)).toEqual(['a']);
    expect(index.size).toBe(2);
  });

  it('agrees with a linear scan for random channels, removals and values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 15 }), fc.boolean()), {
          maxLength: 300,
        }),
        fc.integer({ min: -1, max: 60 }),
        (specs, value) => {
          const index = new IntervalIndex<Channel>();
          const model: Channel[] = [];
          specs.forEach(([lower, width, keep], i) => {
            const channel = { lower, upper: lower + width, id: `c${String(i).padStart(3, '0')}` };
            index.insert(channel);
            if (keep) model.push(channel);
          });
          specs.forEach(([lower, , keep], i) => {
            if (!keep) index.remove(lower, `c${String(i).padStart(3, '0')}`);
          });
          const expected = model.filter((c) => c.lower <= value && value <= c.upper).map((c) => c.id);
          expect(stabbed(index, value)).toEqual(expected.sort());
          expect(index.size).toBe(model.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
