import { type Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { stackEnv } from '../stack-env.js';
import { onCleanup, uniqueName } from '../unique.js';

const redisUrl = stackEnv().REDIS_URL;

describe('Redis', () => {
  it('delivers a pub/sub message to a subscriber', async () => {
    const channel = uniqueName('channel');
    const subscriber = new Redis(redisUrl);
    const publisher = new Redis(redisUrl);
    onCleanup(() => subscriber.quit());
    onCleanup(() => publisher.quit());

    const received = new Promise<string>((resolve) => {
      subscriber.on('message', (from: string, message: string) => {
        if (from === channel) resolve(message);
      });
    });
    await subscriber.subscribe(channel);
    expect(await publisher.publish(channel, '{"symbol":"BTC-USD","price":64000}')).toBe(1);
    expect(JSON.parse(await received)).toEqual({ symbol: 'BTC-USD', price: 64_000 });
  });

  it('runs a BullMQ job through a worker and returns its result', async () => {
    const name = uniqueName('queue');
    const connection = { url: redisUrl, maxRetriesPerRequest: null };
    const queue = new Queue<{ a: number; b: number }, { sum: number }>(name, { connection });
    const events = new QueueEvents(name, { connection });
    const worker = new Worker<{ a: number; b: number }, { sum: number }>(
      name,
      async (job: Job<{ a: number; b: number }>) => ({ sum: job.data.a + job.data.b }),
      { connection },
    );
    onCleanup(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    onCleanup(() => events.close());
    onCleanup(() => worker.close());
    await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);

    const job = await queue.add('add', { a: 2, b: 40 });
    expect(await job.waitUntilFinished(events, 15_000)).toEqual({ sum: 42 });
    expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 1, failed: 0 });
  });
});
