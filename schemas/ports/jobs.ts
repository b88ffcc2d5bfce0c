/**
 * The jobs port: delayed, scheduled (cron with a time zone, or every N ms) and retried background work.
 * Two adapters pass one contract suite (pipeline/jobs/jobs.contract.ts): BullMQ on Redis (production) and an
 * embedded in-process adapter whose jobs, schedules and run history live in the store (PGlite or pg), so a
 * restart loses nothing.
 *
 * Semantics both adapters keep:
 * - At-least-once: a job whose process dies mid-run runs again (BullMQ: stalled-job check; embedded: a job left
 *   `active` is picked up again at the next start). Handlers must be idempotent or use the effect ledger.
 * - A job id is an idempotency key: enqueueing an id that is already known adds nothing while the first job is
 *   kept (see `JobsOptions.keepFinishedMs`).
 * - A handler that throws an error with `retryable === false` (e.g. a NexuralError with a non-retryable code) ends
 *   the job at once in state `dead`; any other error retries with exponential backoff and jitter until
 *   `attempts` are used up, then the job is `dead` (the dead-letter state: kept, listed, never run again).
 * - A cron schedule fires once per matching wall-clock time in its time zone: across a DST change a time that
 *   does not exist runs once at the next valid instant, a time that occurs twice runs once.
 */

/** JSON-serialisable job data (both adapters store it as JSON). */
export type JobData = { readonly [key: string]: unknown };

export interface JobRetryPolicy {
  /** total runs including the first; default 3 */
  readonly attempts?: number;
  /** delay before the 2nd run; the n-th retry waits delayMs × 2^(n-1); default 1000 */
  readonly backoffMs?: number;
  /** fraction of each backoff delay drawn at random (0 = exact, 0.5 = 50–100 %); default 0.5 */
  readonly jitter?: number;
}

export interface JobRequest {
  /** the handler that runs it, as registered with `Jobs.register` */
  readonly name: string;
  /** the user the job belongs to (what GET /v1/jobs lists); `system` for the platform's own jobs */
  readonly owner: string;
  readonly data?: JobData;
  /** idempotency key; default: a random id */
  readonly id?: string;
  /** run no earlier than this many ms from now */
  readonly delayMs?: number;
  readonly retry?: JobRetryPolicy;
}

export type JobSchedule =
  | {
      readonly kind: 'cron';
      /** 5 or 6 fields (seconds first when 6), e.g. `0 9 * * 1-5` */
      readonly pattern: string;
      /** IANA zone the pattern is read in, e.g. `Europe/Berlin`; default `UTC` */
      readonly timeZone?: string;
    }
  | { readonly kind: 'every'; readonly everyMs: number };

export interface JobScheduleRequest {
  /** one schedule per id: upserting the same id replaces its timing and template, never duplicates it */
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly data?: JobData;
  readonly schedule: JobSchedule;
  readonly retry?: JobRetryPolicy;
}

export interface JobScheduleInfo {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly schedule: JobSchedule;
  /** ms since epoch of the next run, null if it will not run again */
  readonly nextRunAt: number | null;
}

/**
 * waiting: due, not started · delayed: due later (incl. a retry's backoff) · active: running ·
 * completed · dead: failed its last attempt, or failed unrecoverably (the dead-letter state).
 */
export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'dead';

export type JobRunOutcome = 'completed' | 'failed';

/** One attempt of a job. */
export interface JobRun {
  readonly jobId: string;
  /** 1 for the first run */
  readonly attempt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly durationMs: number;
  readonly outcome: JobRunOutcome;
  /** the error's message, null when completed */
  readonly error: string | null;
}

export interface JobInfo {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly data: JobData;
  readonly state: JobState;
  /** the schedule that created it, null for a job enqueued directly */
  readonly scheduleId: string | null;
  readonly attemptsMade: number;
  readonly maxAttempts: number;
  readonly createdAt: number;
  /** when it is due (next attempt for a job waiting on a retry) */
  readonly runAt: number;
  /** the last attempt's error, null if none failed */
  readonly lastError: string | null;
  /** the latest attempt, null before the first */
  readonly lastRun: JobRun | null;
}

export interface JobContext {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly data: JobData;
  /** 1 for the first run */
  readonly attempt: number;
  readonly scheduleId: string | null;
}

/** User code: a plain async function. Throw to fail the attempt (see the retry rules above). */
export type JobHandler = (job: JobContext) => Promise<void>;

export interface JobListQuery {
  readonly owner: string;
  /** newest first; default 50, max 500 */
  readonly limit?: number;
}

export interface Jobs {
  readonly adapter: 'bullmq' | 'embedded';
  /**
   * Registers the handler of jobs called `name` (before or after `start`); one handler per name. A process runs
   * only the names it registered: jobs of other names wait for a process that has their handler.
   */
  register(name: string, handler: JobHandler): void;
  /** Adds a job; returns its id (the existing job's id when `request.id` is already known). */
  enqueue(request: JobRequest): Promise<string>;
  /** Creates or replaces a schedule; its next run is computed from now. */
  upsertSchedule(request: JobScheduleRequest): Promise<JobScheduleInfo>;
  /** true if it existed */
  removeSchedule(id: string): Promise<boolean>;
  schedules(owner: string): Promise<readonly JobScheduleInfo[]>;
  job(id: string): Promise<JobInfo | null>;
  /** The owner's jobs, newest first, each with its latest run. */
  list(query: JobListQuery): Promise<readonly JobInfo[]>;
  /** Every attempt of a job, oldest first. */
  runs(jobId: string): Promise<readonly JobRun[]>;
  /** Starts running due jobs of the registered names (at most `concurrency` of each name at once). */
  start(): Promise<void>;
  /** Stops taking jobs, waits for running ones to finish, then releases connections. */
  close(): Promise<void>;
}

/** What GET /v1/jobs needs: a caller's jobs and schedules. */
export type JobsReader = Pick<Jobs, 'list' | 'schedules'>;

export interface JobsOptions {
  /** jobs of one name run at once by this process; default 4 */
  readonly concurrency?: number;
  /** completed and dead jobs (and their ids' idempotency) are kept this long; default 7 days */
  readonly keepFinishedMs?: number;
}
