import { describe, expect, it } from 'vitest';
import { PartitionRebuilds } from './partition-rebuilds.js';

const source = { topic: 'nexural.trades.raw', partition: 2 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PartitionRebuilds', () => {
  it('retries a failing rebuild with capped, jittered backoff until it works, then reports nothing pending', async () => {
    const attemptsAt: number[] = [];
    const changes: number[] = [];
    const warnings: string[] = [];
    const rebuilds = new PartitionRebuilds({
      firstDelayMs: 20,
      maxDelayMs: 80,
      warn: (message) => warnings.push(message),
      onChange: (pending) => changes.push(pending.size),
      attempt: async () => {
        attemptsAt.push(performance.now());
        if (attemptsAt.length < 5) throw new Error('Kafka unreachable');
      },
    });
    const started = performance.now();
    rebuilds.start(source, 'producing in a transaction: Kafka unreachable');
    expect(rebuilds.reasons).toEqual(new Map([[2, 'producing in a transaction: Kafka unreachable']]));
    while (rebuilds.reasons.size > 0) await sleep(5);
    expect(attemptsAt).toHaveLength(5);
    // waits before attempt n are drawn from [cap/2, cap], cap = min(80, 20 · 2^n): 10, 20, 40, 40, 40 ms at least
    const gaps = attemptsAt.map((at, index) => at - (index === 0 ? started : (attemptsAt[index - 1] ?? 0)));
    for (const [index, gap] of gaps.entries()) {
      expect(gap).toBeGreaterThanOrEqual(Math.min(80, 20 * 2 ** index) / 2 - 2);
    }
    expect(changes).toEqual([1, 0]);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toBe(
      'nexural.trades.raw/2: rebuild attempt 1 failed (Error: Kafka unreachable); retrying',
    );
  });

  it('stops retrying once the partition is cancelled (revoked) or superseded by a newer rebuild', async () => {
    let attempts = 0;
    const rebuilds = new PartitionRebuilds({
      firstDelayMs: 10,
      maxDelayMs: 10,
      warn: () => {},
      onChange: () => {},
      attempt: async () => {
        attempts++;
        throw new Error('still down');
      },
    });
    rebuilds.start(source, 'down');
    await sleep(60);
    expect(rebuilds.cancel(2)).toBe(true);
    const afterCancel = attempts;
    await sleep(60);
    expect(attempts).toBe(afterCancel);
    rebuilds.start(source, 'down');
    rebuilds.stop();
    await sleep(40);
    expect(attempts).toBe(afterCancel);
    expect(rebuilds.reasons.size).toBe(0);
  });

  it('runs the first attempt of an immediate start (a fresh assignment) at once, later ones after backoff', async () => {
    const attemptsAt: number[] = [];
    const rebuilds = new PartitionRebuilds({
      firstDelayMs: 200,
      maxDelayMs: 200,
      warn: () => {},
      onChange: () => {},
      attempt: async () => {
        attemptsAt.push(performance.now());
        if (attemptsAt.length < 2) throw new Error('Kafka unreachable');
      },
    });
    const started = performance.now();
    rebuilds.start(source, 'waiting for partition 2 restore', true);
    expect(rebuilds.reasons).toEqual(new Map([[2, 'waiting for partition 2 restore']]));
    while (rebuilds.reasons.size > 0) await sleep(5);
    const [first = Number.NaN, second = Number.NaN] = attemptsAt;
    expect(first - started).toBeLessThan(50);
    expect(second - first).toBeGreaterThanOrEqual(98);
  });
});
