import { randomUUID } from 'node:crypto';
import { type Job, Queue, type RepeatOptions, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { NexuralError } from '../../schemas/errors.js';
import type {
  JobData,
  JobHandler,
  JobInfo,
  JobRun,
  JobSchedule,
  JobScheduleInfo,
  JobScheduleRequest,
  JobState,
  Jobs,
  JobsOptions,
} from '../../schemas/ports/jobs.js';
import { checkJobId, checkSchedule, nextScheduleRun, type RetryPolicy, retryPolicy } from './job-timing.js';

export interface BullmqJobsOptions extends JobsOptions {
  /** a connection with `maxRetriesPerRequest: null` (BullMQ's workers block); not closed by `close()` */
  readonly redis: Redis;
  /** default `nexural-jobs`; every process sharing the queue must register the same handlers */
  readonly queueName?: string;
  /** Redis key prefix; default `nexural:bull` */
  readonly prefix?: string;
}

/** What a BullMQ job carries: the owner and schedule beside the user's data. */
interface Envelope {
  readonly owner: string;
  readonly scheduleId: string | null;
  readonly data: JobData;
}

const stateOf: Record<string, JobState> = {
  waiting: 'waiting',
  'waiting-children': 'waiting',
  prioritized: 'waiting',
  delayed: 'delayed',
  active: 'active',
  completed: 'completed',
  failed: 'dead',
};

// BullMQ computes the next due time of a cron scheduler with this; the embedded adapter uses the same function.
const repeatStrategy = (millis: number, opts: RepeatOptions): number | undefined => {
  if (opts.pattern === undefined) return undefined;
  const schedule: JobSchedule = {
    kind: 'cron',
    pattern: opts.pattern,
    ...(opts.tz ? { timeZone: opts.tz } : {}),
  };
  return nextScheduleRun(schedule, millis) ?? undefined;
};

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The jobs port on BullMQ: one queue, a worker started by `start()` that dispatches by job name. Retries use
 * BullMQ's exponential backoff with jitter; an error with `retryable: false` becomes an UnrecoverableError;
 * schedules are BullMQ job schedulers (`upsertJobScheduler`). Run history and the per-owner index live in Redis
 * beside the queue (`<prefix>:<queue>:nexural:*`) and expire with the jobs.
 */
export function createBullmqJobs(options: BullmqJobsOptions): Jobs {
  const { redis } = options;
  const queueName = options.queueName ?? 'nexural-jobs';
  const prefix = options.prefix ?? 'nexural:bull';
  const keepSeconds = Math.ceil((options.keepFinishedMs ?? 7 * 86_400_000) / 1000);
  const base = `${prefix}:${queueName}:nexural`;
  const runsKey = (jobId: string) => `${base}:runs:${jobId}`;
  const ownerKey = (owner: string) => `${base}:owner:${owner}`;
  const schedulesKey = `${base}:schedules`;
  const queue = new Queue(queueName, { connection: redis, prefix, settings: { repeatStrategy } });
  const handlers = new Map<string, JobHandler>();
  let worker: Worker | null = null;

  const jobOptions = (retry: RetryPolicy) => ({
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: retry.jitter },
    removeOnComplete: { age: keepSeconds },
    removeOnFail: { age: keepSeconds },
  });

  async function recordRun(run: JobRun, owner: string, createdAt: number): Promise<void> {
    await redis
      .multi()
      .rpush(runsKey(run.jobId), JSON.stringify(run))
      .expire(runsKey(run.jobId), keepSeconds * 2)
      .zadd(ownerKey(owner), 'NX', createdAt, run.jobId)
      .exec();
  }

  async function process(job: Job<Envelope>): Promise<void> {
    const handler = handlers.get(job.name);
    if (!handler) throw new Error(`no handler registered for jobs "${job.name}" in this process`);
    const jobId = job.id ?? '';
    const attempt = Math.max(job.attemptsStarted, job.attemptsMade + 1);
    const startedAt = Date.now();
    let failure: unknown = null;
    try {
      await handler({
        id: jobId,
        name: job.name,
        owner: job.data.owner,
        data: job.data.data,
        attempt,
        scheduleId: job.data.scheduleId,
      });
    } catch (error) {
      failure = error ?? new Error('job failed');
    }
    const finishedAt = Date.now();
    await recordRun(
      {
        jobId,
        attempt,
        startedAt,
        finishedAt,
        durationMs: finishedAt - startedAt,
        outcome: failure === null ? 'completed' : 'failed',
        error: failure === null ? null : errorText(failure),
      },
      job.data.owner,
      job.timestamp,
    );
    if (failure === null) return;
    if ((failure as { retryable?: unknown }).retryable === false)
      throw new UnrecoverableError(errorText(failure));
    throw failure;
  }

  async function runs(jobId: string): Promise<JobRun[]> {
    return (await redis.lrange(runsKey(jobId), 0, -1)).map((text) => JSON.parse(text) as JobRun);
  }

  async function info(job: Job<Envelope>): Promise<JobInfo | null> {
    const state = stateOf[await job.getState()];
    if (!state || job.id === undefined) return null;
    const history = await runs(job.id);
    return {
      id: job.id,
      name: job.name,
      owner: job.data.owner,
      data: job.data.data,
      state,
      scheduleId: job.data.scheduleId,
      attemptsMade: Math.max(history.length, job.attemptsMade),
      maxAttempts: job.opts.attempts ?? 1,
      createdAt: job.timestamp,
      runAt: job.timestamp + (job.delay ?? 0),
      lastError: job.failedReason || null,
      lastRun: history.at(-1) ?? null,
    };
  }

  async function scheduleInfo(request: JobScheduleRequest): Promise<JobScheduleInfo> {
    const scheduler = await queue.getJobScheduler(request.id);
    return {
      id: request.id,
      name: request.name,
      owner: request.owner,
      schedule: request.schedule,
      nextRunAt: scheduler?.next ?? null,
    };
  }

  return {
    adapter: 'bullmq',

    register(name, handler) {
      if (handlers.has(name))
        throw new NexuralError('NXR_CONFLICT', `a handler for jobs "${name}" is already registered`, {
          name,
        });
      handlers.set(name, handler);
    },

    async enqueue(request) {
      const id = request.id ?? randomUUID();
      checkJobId(id);
      const envelope: Envelope = { owner: request.owner, scheduleId: null, data: request.data ?? {} };
      const createdAt = Date.now();
      // A known id adds nothing (BullMQ keeps the first job); the owner index keeps the first time too.
      await queue.add(request.name, envelope, {
        ...jobOptions(retryPolicy(request.retry)),
        jobId: id,
        ...(request.delayMs && request.delayMs > 0 ? { delay: request.delayMs } : {}),
      });
      await redis.zadd(ownerKey(request.owner), 'NX', createdAt, id);
      return id;
    },

    async upsertSchedule(request) {
      checkJobId(request.id);
      checkSchedule(request.schedule, Date.now());
      const { schedule } = request;
      const envelope: Envelope = { owner: request.owner, scheduleId: request.id, data: request.data ?? {} };
      await queue.upsertJobScheduler(
        request.id,
        schedule.kind === 'cron'
          ? { pattern: schedule.pattern, tz: schedule.timeZone ?? 'UTC' }
          : { every: schedule.everyMs },
        { name: request.name, data: envelope, opts: jobOptions(retryPolicy(request.retry)) },
      );
      await redis.hset(schedulesKey, request.id, JSON.stringify(request));
      return scheduleInfo(request);
    },

    async removeSchedule(id) {
      const removed = await queue.removeJobScheduler(id);
      const forgotten = await redis.hdel(schedulesKey, id);
      return removed || forgotten > 0;
    },

    async schedules(owner) {
      const all = Object.values(await redis.hgetall(schedulesKey)).map(
        (text) => JSON.parse(text) as JobScheduleRequest,
      );
      const mine = all.filter((request) => request.owner === owner).sort((a, b) => a.id.localeCompare(b.id));
      return Promise.all(mine.map(scheduleInfo));
    },

    async job(id) {
      const job = (await queue.getJob(id)) as Job<Envelope> | undefined;
      return job ? info(job) : null;
    },

    async list(query) {
      const limit = Math.min(Math.max(1, query.limit ?? 50), 500);
      const ids = await redis.zrevrange(ownerKey(query.owner), 0, limit - 1);
      const found: JobInfo[] = [];
      for (const id of ids) {
        const job = (await queue.getJob(id)) as Job<Envelope> | undefined;
        const described = job ? await info(job) : null;
        if (described) found.push(described);
        else await redis.zrem(ownerKey(query.owner), id);
      }
      return found;
    },

    runs,

    async start() {
      if (worker) return;
      worker = new Worker<Envelope>(queueName, process, {
        connection: redis,
        prefix,
        concurrency: options.concurrency ?? 4,
        settings: { repeatStrategy },
      });
      worker.on('error', () => {
        // Connection errors are retried by ioredis; the worker resumes by itself.
      });
      await worker.waitUntilReady();
    },

    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}
