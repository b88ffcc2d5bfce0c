import { expect, it } from 'vitest';
import { seededRandom } from './seeded-random.js';

it('is mulberry32: seed 1 gives the reference sequence, the same seed the same numbers, all in [0, 1)', () => {
  const next = seededRandom(1);
  expect([next(), next(), next()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
  const a = seededRandom(20_260_404);
  const b = seededRandom(20_260_404);
  const drawn = Array.from({ length: 1_000 }, () => a());
  expect(drawn).toEqual(Array.from({ length: 1_000 }, () => b()));
  expect(drawn.every((value) => value >= 0 && value < 1)).toBe(true);
  expect(new Set(drawn).size).toBe(1_000);
});
