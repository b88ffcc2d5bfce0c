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
  /** name stem of the BullMQ queues, one per job name (`<stem>.<name>`); default `nexural-jobs` */
  readonly queueName?: string;
  /** Redis key prefix; default `nexural:bull` */
  readonly prefix?: string;
  /** a worker's connection or processing error (ioredis reconnects; the worker resumes by itself) */
  readonly onError?: (error: Error) => void;
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
 * The jobs port on BullMQ: one queue per job name, so a process works only on the names it registered (its
 * workers start with `start()`, or at `register` after it). Retries use
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
  // Which queue (job name) holds a job id: GET /v1/jobs and job(id) know only the id.
  const nameKey = (jobId: string) => `${base}:name:${jobId}`;
  const queues = new Map<string, Queue>();
  const queueFor = (name: string): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(`${queueName}.${name}`, { connection: redis, prefix, settings: { repeatStrategy } });
      queues.set(name, queue);
    }
    return queue;
  };
  const handlers = new Map<string, JobHandler>();
  const workers = new Map<string, Worker>();
  let started = false;
  const rememberName = (jobId: string, name: string) =>
    redis.set(nameKey(jobId), name, 'EX', keepSeconds * 2, 'NX');
  const findJob = async (jobId: string): Promise<Job<Envelope> | null> => {
    const name = await redis.get(nameKey(jobId));
    if (name === null) return null;
    return ((await queueFor(name).getJob(jobId)) as Job<Envelope> | undefined) ?? null;
  };

  const startWorker = async (name: string, handler: JobHandler): Promise<void> => {
    const worker = new Worker<Envelope>(`${queueName}.${name}`, (job) => process(job, handler), {
      connection: redis,
      prefix,
      concurrency: options.concurrency ?? 4,
      settings: { repeatStrategy },
    });
    worker.on('error', (error) => options.onError?.(error));
    workers.set(name, worker);
    await worker.waitUntilReady();
  };

  const jobOptions = (retry: RetryPolicy) => ({
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: retry.jitter },
    removeOnComplete: { age: keepSeconds },
    removeOnFail: { age: keepSeconds },
  });

  async function recordRun(run: JobRun, name: string, owner: string, createdAt: number): Promise<void> {
    await redis
      .multi()
      .set(nameKey(run.jobId), name, 'EX', keepSeconds * 2)
      .rpush(runsKey(run.jobId), JSON.stringify(run))
      .expire(runsKey(run.jobId), keepSeconds * 2)
      .zadd(ownerKey(owner), 'NX', createdAt, run.jobId)
      .exec();
  }

  async function process(job: Job<Envelope>, handler: JobHandler): Promise<void> {
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
      job.name,
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
    const scheduler = await queueFor(request.name).getJobScheduler(request.id);
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
      if (started) void startWorker(name, handler);
    },

    async enqueue(request) {
      const id = request.id ?? randomUUID();
      checkJobId(id);
      const envelope: Envelope = { owner: request.owner, scheduleId: null, data: request.data ?? {} };
      const createdAt = Date.now();
      // A known id adds nothing (BullMQ keeps the first job); the owner index keeps the first time too.
      await rememberName(id, request.name);
      await queueFor(request.name).add(request.name, envelope, {
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
      const previous = await redis.hget(schedulesKey, request.id);
      const previousName = previous === null ? null : (JSON.parse(previous) as JobScheduleRequest).name;
      // A schedule moved to another job name leaves its old queue.
      if (previousName !== null && previousName !== request.name)
        await queueFor(previousName).removeJobScheduler(request.id);
      await queueFor(request.name).upsertJobScheduler(
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
      const stored = await redis.hget(schedulesKey, id);
      if (stored === null) return false;
      await queueFor((JSON.parse(stored) as JobScheduleRequest).name).removeJobScheduler(id);
      return (await redis.hdel(schedulesKey, id)) > 0;
    },

    async schedules(owner) {
      const all = Object.values(await redis.hgetall(schedulesKey)).map(
        (text) => JSON.parse(text) as JobScheduleRequest,
      );
      const mine = all.filter((request) => request.owner === owner).sort((a, b) => a.id.localeCompare(b.id));
      return Promise.all(mine.map(scheduleInfo));
    },

    async job(id) {
      const job = await findJob(id);
      return job ? info(job) : null;
    },

    async list(query) {
      const limit = Math.min(Math.max(1, query.limit ?? 50), 500);
      const ids = await redis.zrevrange(ownerKey(query.owner), 0, limit - 1);
      const found: JobInfo[] = [];
      for (const id of ids) {
        const job = await findJob(id);
        const described = job ? await info(job) : null;
        if (described) found.push(described);
        else await redis.zrem(ownerKey(query.owner), id);
      }
      return found;
    },

    runs,

    async start() {
      if (started) return;
      started = true;
      await Promise.all([...handlers].map(([name, handler]) => startWorker(name, handler)));
    },

    async close() {
      await Promise.all([...workers.values()].map((worker) => worker.close()));
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
