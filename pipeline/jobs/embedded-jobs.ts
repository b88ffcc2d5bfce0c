import { randomUUID } from 'node:crypto';
import { NexuralError } from '../../schemas/errors.js';
import type {
  JobContext,
  JobHandler,
  JobInfo,
  JobScheduleInfo,
  Jobs,
  JobsOptions,
} from '../../schemas/ports/jobs.js';
import { checkJobId, checkSchedule, nextScheduleRun, retryDelayMs, retryPolicy } from './job-timing.js';
import { type JobRecords, type JobRow, scheduleInfo } from './sql-job-records.js';

/** Time as the adapter sees it; tests pass a manual clock to cross a DST change in milliseconds. */
export interface JobClock {
  now(): number;
  /** Calls `wake` after `ms`; returns a function that cancels it. */
  setTimer(wake: () => void, ms: number): () => void;
}

export const systemClock: JobClock = {
  now: () => Date.now(),
  setTimer(wake, ms) {
    // setTimeout's limit is 2^31-1 ms; a later wake-up re-reads the due time anyway.
    const timer = setTimeout(wake, Math.min(Math.max(0, ms), 2_147_483_647));
    return () => clearTimeout(timer);
  },
};

export interface EmbeddedJobsOptions extends JobsOptions {
  readonly records: JobRecords;
  readonly clock?: JobClock;
  readonly random?: () => number;
  /** a handler's unexpected failure to record its run (database gone) */
  readonly onError?: (error: Error) => void;
}

export interface EmbeddedJobs extends Jobs {
  /** Resolves when no job is running and nothing due is left to claim (tests on a manual clock). */
  whenIdle(): Promise<void>;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const isUnrecoverable = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false;

/**
 * The jobs port in-process: due jobs are claimed from the store (PGlite by default), at most `concurrency` run
 * at once, every attempt is recorded. One process per store: at start, jobs left active by a crash are run
 * again (at-least-once).
 */
export function createEmbeddedJobs(options: EmbeddedJobsOptions): EmbeddedJobs {
  const { records } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const concurrency = options.concurrency ?? 4;
  const keepFinishedMs = options.keepFinishedMs ?? 7 * 86_400_000;
  const handlers = new Map<string, JobHandler>();
  const running = new Set<Promise<void>>();
  const runningByName = new Map<string, number>();
  const freeSlots = (name: string) => concurrency - (runningByName.get(name) ?? 0);
  let started = false;
  let closing = false;
  let cancelTimer: (() => void) | null = null;
  let pumping: Promise<void> | null = null;
  let pumpAgain = false;
  const idleWaiters: (() => void)[] = [];

  const fail = (error: unknown) =>
    options.onError?.(error instanceof Error ? error : new Error(String(error)));

  async function runAttempt(job: JobRow, handler: JobHandler): Promise<void> {
    const context: JobContext = {
      id: job.id,
      name: job.name,
      owner: job.owner,
      data: job.data,
      attempt: job.attemptsMade,
      scheduleId: job.scheduleId,
    };
    const startedAt = clock.now();
    let error: unknown = null;
    try {
      await handler(context);
    } catch (thrown) {
      error = thrown ?? new Error('job failed');
    }
    const finishedAt = clock.now();
    const run = {
      jobId: job.id,
      attempt: job.attemptsMade,
      startedAt,
      finishedAt,
      durationMs: finishedAt - startedAt,
      outcome: error === null ? ('completed' as const) : ('failed' as const),
      error: error === null ? null : errorText(error),
    };
    if (error === null) return records.endAttempt({ run, state: 'completed', runAt: job.runAt });
    if (isUnrecoverable(error) || job.attemptsMade >= job.retry.attempts)
      return records.endAttempt({ run, state: 'dead', runAt: job.runAt });
    const delay = retryDelayMs(job.retry, job.attemptsMade, random);
    return records.endAttempt({ run, state: 'delayed', runAt: finishedAt + delay });
  }

  async function fireDueSchedules(now: number): Promise<void> {
    for (const schedule of await records.dueSchedules(now)) {
      const dueAt = schedule.nextRunAt;
      if (dueAt === null) continue;
      let next = nextScheduleRun(schedule.schedule, dueAt);
      // After downtime the missed due times collapse into the one fired now.
      if (next !== null && next <= now) next = nextScheduleRun(schedule.schedule, now);
      await records.fireSchedule(schedule, dueAt, next, now);
    }
  }

  async function pumpOnce(): Promise<void> {
    cancelTimer?.();
    cancelTimer = null;
    const now = clock.now();
    await fireDueSchedules(now);
    const names = [...handlers.keys()];
    for (const [name, handler] of handlers) {
      if (closing) break;
      for (const job of await records.claimDue(now, [name], freeSlots(name))) {
        runningByName.set(name, (runningByName.get(name) ?? 0) + 1);
        const attempt: Promise<void> = runAttempt(job, handler)
          .catch(fail)
          .finally(() => {
            running.delete(attempt);
            runningByName.set(name, (runningByName.get(name) ?? 1) - 1);
            schedulePump();
          });
        running.add(attempt);
      }
    }
    if (closing) return;
    // Names with free slots decide the wake-up; a full name is pumped again when one of its jobs ends.
    const due = await records.nextDueAt(names.filter((name) => freeSlots(name) > 0));
    if (due !== null) {
      cancelTimer = clock.setTimer(schedulePump, due - clock.now());
    }
    if (running.size === 0 && (due === null || due > clock.now())) {
      for (const resolve of idleWaiters.splice(0)) resolve();
    }
  }

  function schedulePump(): void {
    if (!started || closing) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = pumpOnce()
      .catch(fail)
      .finally(() => {
        pumping = null;
        if (pumpAgain) {
          pumpAgain = false;
          schedulePump();
        }
      });
  }

  return {
    adapter: 'embedded',

    register(name, handler) {
      if (handlers.has(name))
        throw new NexuralError('NXR_CONFLICT', `a handler for jobs "${name}" is already registered`, {
          name,
        });
      handlers.set(name, handler);
      schedulePump();
    },

    async enqueue(request) {
      const now = clock.now();
      const id = request.id ?? randomUUID();
      checkJobId(id);
      const delay = Math.max(0, request.delayMs ?? 0);
      await records.insertJob({
        id,
        name: request.name,
        owner: request.owner,
        data: request.data ?? {},
        state: delay > 0 ? 'delayed' : 'waiting',
        scheduleId: null,
        retry: retryPolicy(request.retry),
        createdAt: now,
        runAt: now + delay,
      });
      schedulePump();
      return id;
    },

    async upsertSchedule(request): Promise<JobScheduleInfo> {
      const now = clock.now();
      checkJobId(request.id);
      checkSchedule(request.schedule, now);
      const row = {
        id: request.id,
        name: request.name,
        owner: request.owner,
        data: request.data ?? {},
        schedule: request.schedule,
        retry: retryPolicy(request.retry),
        nextRunAt: nextScheduleRun(request.schedule, now),
      };
      await records.upsertSchedule(row, now);
      schedulePump();
      return scheduleInfo(row);
    },

    removeSchedule: (id) => records.removeSchedule(id),
    schedules: async (owner) => (await records.schedules(owner)).map(scheduleInfo),
    job: (id): Promise<JobInfo | null> => records.job(id),
    list: (query) => records.list(query.owner, Math.min(Math.max(1, query.limit ?? 50), 500)),
    runs: (jobId) => records.runs(jobId),

    async start() {
      if (started) return;
      await records.requeueActive();
      await records.pruneFinished(clock.now() - keepFinishedMs);
      started = true;
      schedulePump();
    },

    whenIdle() {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        schedulePump();
      });
    },

    async close() {
      closing = true;
      cancelTimer?.();
      await pumping;
      await Promise.all([...running]);
      for (const resolve of idleWaiters.splice(0)) resolve();
    },
  };
}
