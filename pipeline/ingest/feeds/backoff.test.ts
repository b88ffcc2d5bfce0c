import { describe, expect, it } from 'vitest';
import { backoffSchema, fullJitterDelay } from './backoff.js';

const backoff = backoffSchema.parse({ baseMs: 100, maxMs: 1000 });

describe('fullJitterDelay', () => {
  it('doubles the window per attempt up to the maximum', () => {
    const almostOne = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 10, 80].map((attempt) => fullJitterDelay(attempt, backoff, almostOne))).toEqual([
      99, 199, 399, 799, 999, 999, 999,
    ]);
  });

  it('draws anywhere from zero (full jitter, not around the step)', () => {
    expect(fullJitterDelay(5, backoff, () => 0)).toBe(0);
    expect(fullJitterDelay(5, backoff, () => 0.5)).toBe(500);
  });

  it('refuses a maximum below the base', () => {
    expect(backoffSchema.safeParse({ baseMs: 100, maxMs: 10 }).error?.issues[0]?.path).toEqual(['maxMs']);
  });
});
