import { Redis } from 'ioredis';
import type { Jobs, JobsOptions } from '../../schemas/ports/jobs.js';
import { reportRedisErrors } from '../fanout/redis-connection-errors.js';
import type { SqlDatabase } from '../store/sql-database.js';
import { createBullmqJobs } from './bullmq-jobs.js';
import { createEmbeddedJobs } from './embedded-jobs.js';
import { sqlJobRecords } from './sql-job-records.js';

/**
 * REDIS_URL set → BullMQ on Redis (jobs shared by every process on that Redis); unset → the embedded adapter
 * on `database` (the store's database, migrated: sql/0008). `close()` also closes the Redis connection it opened.
 */
export function openJobs(options: {
  readonly redisUrl: string | undefined;
  readonly database: SqlDatabase;
  readonly jobs?: JobsOptions;
  readonly onError?: (error: Error) => void;
}): Jobs {
  if (options.redisUrl === undefined) {
    return createEmbeddedJobs({
      records: sqlJobRecords(options.database),
      ...options.jobs,
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  reportRedisErrors(redis, {
    name: 'jobs',
    warn: (message) => options.onError?.(new Error(message)),
  });
  const jobs = createBullmqJobs({
    redis,
    ...options.jobs,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  return {
    ...jobs,
    async close() {
      await jobs.close();
      await redis.quit();
    },
  };
}
