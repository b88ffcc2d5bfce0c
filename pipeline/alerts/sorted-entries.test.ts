import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedEntries } from './sorted-entries.js';

interface Entry {
  readonly key: number;
  readonly id: string;
}

const byKeyThenId = (a: Entry, b: Entry): number => a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function visited(
  set: SortedEntries<Entry>,
  low: number,
  lowIn: boolean,
  high: number,
  highIn: boolean,
): Entry[] {
  const out: Entry[] = [];
  set.visitRange(low, lowIn, high, highIn, (entry) => out.push(entry));
  return out;
}

describe('SortedEntries', () => {
  it('keeps entries ordered by key then id across chunk splits and removals', () => {
    const set = new SortedEntries<Entry>();
    const entries = Array.from({ length: 5_000 }, (_, i) => ({ key: (i * 7919) % 1_000, id: `r${i}` }));
    for (const entry of entries) set.insert(entry);
    for (const entry of entries.filter((_, i) => i % 3 === 0))
      expect(set.remove(entry.key, entry.id)).toBe(entry);
    const kept = entries.filter((_, i) => i % 3 !== 0).sort(byKeyThenId);
    expect([...set]).toEqual(kept);
    expect(set.size).toBe(kept.length);
    expect(set.remove(1, 'absent')).toBeUndefined();
  });

  it('visits exactly the keys inside the range, honouring open and closed bounds', () => {
    const set = new SortedEntries<Entry>();
    for (const key of [1, 2, 2, 3, 5, 8]) set.insert({ key, id: `k${key}-${set.size}` });
    const keys = (entries: Entry[]) => entries.map((entry) => entry.key);
    expect(keys(visited(set, 2, true, 5, true))).toEqual([2, 2, 3, 5]);
    expect(keys(visited(set, 2, false, 5, false))).toEqual([3]);
    expect(keys(visited(set, Number.NEGATIVE_INFINITY, true, 2, false))).toEqual([1]);
    expect(keys(visited(set, 5, false, Number.POSITIVE_INFINITY, true))).toEqual([8]);
    expect(keys(visited(set, 9, true, 10, true))).toEqual([]);
  });

  it('agrees with a filtered sorted array for random inserts, removals and ranges', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 2_000 }),
        fc.integer({ min: -1, max: 51 }),
        fc.integer({ min: -1, max: 51 }),
        fc.boolean(),
        fc.boolean(),
        (operations, a, b, lowIn, highIn) => {
          const set = new SortedEntries<Entry>();
          const model = new Map<string, Entry>();
          operations.forEach(([key, insert], index) => {
            const existing = [...model.values()].find((entry) => entry.key === key);
            if (!insert && existing) {
              set.remove(existing.key, existing.id);
              model.delete(existing.id);
            } else {
              const entry = { key, id: `e${index}` };
              set.insert(entry);
              model.set(entry.id, entry);
            }
          });
          const [low, high] = [Math.min(a, b), Math.max(a, b)];
          const expected = [...model.values()]
            .filter((e) => (lowIn ? e.key >= low : e.key > low) && (highIn ? e.key <= high : e.key < high))
            .sort(byKeyThenId);
          expect(visited(set, low, lowIn, high, highIn)).toEqual(expected);
          expect(set.firstKey).toBe(Math.min(...[...model.values()].map((entry) => entry.key)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
