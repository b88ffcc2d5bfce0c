import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { createBullmqJobs } from './bullmq-jobs.js';
import { nextScheduleRun } from './job-timing.js';
import { jobsContract } from './jobs.contract.js';

jobsContract('BullMQ on Redis', async () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  // A prefix of its own per test: parallel runs on the shared Redis never meet, and cleanup finds every key.
  const prefix = `nexural-test:jobs-${randomUUID().slice(0, 8)}`;
  return {
    open: async (options) => createBullmqJobs({ redis, prefix, queueName: 'contract', ...options }),
    openOnManualClock: null,
    cleanup: async () => {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await redis.quit();
    },
  };
});

it('schedules cron jobs with the same due-time function as the embedded adapter (the DST rule of the contract)', async () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const prefix = `nexural-test:jobs-${randomUUID().slice(0, 8)}`;
  const jobs = createBullmqJobs({ redis, prefix, queueName: 'dst' });
  try {
    const schedule = { kind: 'cron', pattern: '30 2 * * *', timeZone: 'Europe/Berlin' } as const;
    const before = Date.now();
    const info = await jobs.upsertSchedule({ id: 'digest', name: 'digest', owner: 'alice', schedule });
    expect(info.nextRunAt).toBe(nextScheduleRun(schedule, before));
    expect(await jobs.schedules('alice')).toEqual([info]);
    expect(await jobs.schedules('bob')).toEqual([]);
  } finally {
    await jobs.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});
