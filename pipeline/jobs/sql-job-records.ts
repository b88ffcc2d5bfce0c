import type {
  JobData,
  JobInfo,
  JobRun,
  JobSchedule,
  JobScheduleInfo,
  JobState,
} from '../../schemas/ports/jobs.js';
import type { SqlDatabase, SqlSession } from '../store/sql-database.js';
import type { RetryPolicy } from './job-timing.js';

/** A job as the embedded adapter stores it (sql/0008_jobs.sql). */
export interface JobRow {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly data: JobData;
  readonly state: JobState;
  readonly scheduleId: string | null;
  readonly attemptsMade: number;
  readonly retry: RetryPolicy;
  readonly createdAt: number;
  readonly runAt: number;
  readonly lastError: string | null;
}

export interface ScheduleRow {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly data: JobData;
  readonly schedule: JobSchedule;
  readonly retry: RetryPolicy;
  readonly nextRunAt: number | null;
}

/** How an attempt ended and what becomes of the job. */
export interface AttemptEnd {
  readonly run: JobRun;
  readonly state: 'completed' | 'dead' | 'delayed';
  readonly runAt: number;
}

/**
 * The store side of the embedded jobs adapter: plain SQL over a SqlDatabase, so it runs on PGlite (the
 * default) and on PostgreSQL alike.
 */
export interface JobRecords {
  /** false when the id already exists (idempotency) */
  insertJob(job: Omit<JobRow, 'attemptsMade' | 'lastError'>): Promise<boolean>;
  /** Marks up to `limit` due jobs of these names active (one more attempt made) and returns them. */
  claimDue(now: number, names: readonly string[], limit: number): Promise<readonly JobRow[]>;
  endAttempt(end: AttemptEnd): Promise<void>;
  /** Jobs left active by a process that died go back to waiting (single-process adapter). */
  requeueActive(): Promise<number>;
  /** Earliest run_at of a waiting/delayed job or next_run_at of a schedule, null if none. */
  nextDueAt(names: readonly string[]): Promise<number | null>;
  upsertSchedule(schedule: ScheduleRow, now: number): Promise<void>;
  removeSchedule(id: string): Promise<boolean>;
  schedules(owner: string): Promise<readonly ScheduleRow[]>;
  dueSchedules(now: number): Promise<readonly ScheduleRow[]>;
  /** In one transaction: the job of due time `dueAt` (id `<schedule>@<dueAt>`) and the schedule's next time. */
  fireSchedule(schedule: ScheduleRow, dueAt: number, nextRunAt: number | null, now: number): Promise<void>;
  job(id: string): Promise<JobInfo | null>;
  list(owner: string, limit: number): Promise<readonly JobInfo[]>;
  runs(jobId: string): Promise<readonly JobRun[]>;
  /** Deletes completed/dead jobs that finished before `before`; returns how many. */
  pruneFinished(before: number): Promise<number>;
}

interface RawJob {
  id: string;
  name: string;
  owner: string;
  data: JobData;
  state: JobState;
  schedule_id: string | null;
  attempts_made: number;
  max_attempts: number;
  backoff_ms: number;
  jitter: number;
  created_at: string | number;
  run_at: string | number;
  last_error: string | null;
}

interface RawRun {
  job_id: string;
  attempt: number;
  started_at: string | number;
  finished_at: string | number;
  outcome: 'completed' | 'failed';
  error: string | null;
}

interface RawSchedule {
  id: string;
  name: string;
  owner: string;
  data: JobData;
  schedule: JobSchedule;
  retry: RetryPolicy;
  next_run_at: string | number | null;
}

const jobColumns = `id, name, owner, data, state, schedule_id, attempts_made, max_attempts, backoff_ms, jitter,
  created_at, run_at, last_error`;

const toJob = (row: RawJob): JobRow => ({
  id: row.id,
  name: row.name,
  owner: row.owner,
  data: row.data,
  state: row.state,
  scheduleId: row.schedule_id,
  attemptsMade: Number(row.attempts_made),
  retry: {
    attempts: Number(row.max_attempts),
    backoffMs: Number(row.backoff_ms),
    jitter: Number(row.jitter),
  },
  createdAt: Number(row.created_at),
  runAt: Number(row.run_at),
  lastError: row.last_error,
});

const toRun = (row: RawRun): JobRun => ({
  jobId: row.job_id,
  attempt: Number(row.attempt),
  startedAt: Number(row.started_at),
  finishedAt: Number(row.finished_at),
  durationMs: Number(row.finished_at) - Number(row.started_at),
  outcome: row.outcome,
  error: row.error,
});

const toSchedule = (row: RawSchedule): ScheduleRow => ({
  id: row.id,
  name: row.name,
  owner: row.owner,
  data: row.data,
  schedule: row.schedule,
  retry: row.retry,
  nextRunAt: row.next_run_at === null ? null : Number(row.next_run_at),
});

const toInfo = (job: JobRow, lastRun: JobRun | null): JobInfo => ({
  id: job.id,
  name: job.name,
  owner: job.owner,
  data: job.data,
  state: job.state,
  scheduleId: job.scheduleId,
  attemptsMade: job.attemptsMade,
  maxAttempts: job.retry.attempts,
  createdAt: job.createdAt,
  runAt: job.runAt,
  lastError: job.lastError,
  lastRun,
});

const insertJobStatement = `INSERT INTO jobs (id, name, owner, data, state, schedule_id, max_attempts, backoff_ms, jitter,
  created_at, run_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`;

async function insertJob(db: SqlSession, job: Omit<JobRow, 'attemptsMade' | 'lastError'>): Promise<boolean> {
  const { rowCount } = await db.query(insertJobStatement, [
    job.id,
    job.name,
    job.owner,
    JSON.stringify(job.data),
    job.state,
    job.scheduleId,
    job.retry.attempts,
    job.retry.backoffMs,
    job.retry.jitter,
    job.createdAt,
    job.runAt,
  ]);
  return rowCount > 0;
}

async function withLastRuns(db: SqlSession, jobs: readonly JobRow[]): Promise<JobInfo[]> {
  if (jobs.length === 0) return [];
  const { rows } = await db.query<RawRun>(
    `SELECT DISTINCT ON (job_id) job_id, attempt, started_at, finished_at, outcome, error FROM job_runs
     WHERE job_id = ANY($1::text[]) ORDER BY job_id, attempt DESC`,
    [jobs.map((job) => job.id)],
  );
  const last = new Map(rows.map((row) => [row.job_id, toRun(row)]));
  return jobs.map((job) => toInfo(job, last.get(job.id) ?? null));
}

export function sqlJobRecords(db: SqlDatabase): JobRecords {
  return {
    insertJob: (job) => insertJob(db, job),

    async claimDue(now, names, limit) {
      if (names.length === 0 || limit <= 0) return [];
      const { rows } = await db.query<RawJob>(
        `UPDATE jobs SET state = 'active', attempts_made = attempts_made + 1
         WHERE id IN (SELECT id FROM jobs WHERE state IN ('waiting', 'delayed') AND run_at <= $1
                        AND name = ANY($2::text[]) ORDER BY run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING ${jobColumns}`,
        [now, [...names], limit],
      );
      return rows.map(toJob).sort((a, b) => a.runAt - b.runAt || a.id.localeCompare(b.id));
    },

    endAttempt: ({ run, state, runAt }) =>
      db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO job_runs (job_id, attempt, started_at, finished_at, outcome, error)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (job_id, attempt) DO NOTHING`,
          [run.jobId, run.attempt, run.startedAt, run.finishedAt, run.outcome, run.error],
        );
        await tx.query(
          `UPDATE jobs SET state = $2, run_at = $3, last_error = COALESCE($4, last_error),
             finished_at = CASE WHEN $2 IN ('completed', 'dead') THEN $5::bigint END
           WHERE id = $1`,
          [run.jobId, state, runAt, run.error, run.finishedAt],
        );
      }),

    async requeueActive() {
      const { rowCount } = await db.query(`UPDATE jobs SET state = 'waiting' WHERE state = 'active'`);
      return rowCount;
    },

    async nextDueAt(names) {
      const { rows } = await db.query<{ due: string | number | null }>(
        `SELECT least(
           (SELECT min(run_at) FROM jobs WHERE state IN ('waiting', 'delayed') AND name = ANY($1::text[])),
           (SELECT min(next_run_at) FROM job_schedules)) AS due`,
        [[...names]],
      );
      const due = rows[0]?.due ?? null;
      return due === null ? null : Number(due);
    },

    async upsertSchedule(schedule, now) {
      await db.query(
        `INSERT INTO job_schedules (id, name, owner, data, schedule, retry, next_run_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, owner = excluded.owner, data = excluded.data,
           schedule = excluded.schedule, retry = excluded.retry, next_run_at = excluded.next_run_at,
           updated_at = excluded.updated_at`,
        [
          schedule.id,
          schedule.name,
          schedule.owner,
          JSON.stringify(schedule.data),
          JSON.stringify(schedule.schedule),
          JSON.stringify(schedule.retry),
          schedule.nextRunAt,
          now,
        ],
      );
    },

    async removeSchedule(id) {
      const { rowCount } = await db.query('DELETE FROM job_schedules WHERE id = $1', [id]);
      return rowCount > 0;
    },

    async schedules(owner) {
      const { rows } = await db.query<RawSchedule>(
        'SELECT * FROM job_schedules WHERE owner = $1 ORDER BY id',
        [owner],
      );
      return rows.map(toSchedule);
    },

    async dueSchedules(now) {
      const { rows } = await db.query<RawSchedule>(
        'SELECT * FROM job_schedules WHERE next_run_at <= $1 ORDER BY next_run_at, id',
        [now],
      );
      return rows.map(toSchedule);
    },

    fireSchedule: (schedule, dueAt, nextRunAt, now) =>
      db.transaction(async (tx) => {
        // Only the holder of the due time advances it: a second firing of the same due time changes nothing.
        const { rowCount } = await tx.query(
          'UPDATE job_schedules SET next_run_at = $3 WHERE id = $1 AND next_run_at = $2',
          [schedule.id, dueAt, nextRunAt],
        );
        if (rowCount === 0) return;
        await insertJob(tx, {
          id: `${schedule.id}@${dueAt}`,
          name: schedule.name,
          owner: schedule.owner,
          data: schedule.data,
          state: 'waiting',
          scheduleId: schedule.id,
          retry: schedule.retry,
          createdAt: now,
          runAt: dueAt,
        });
      }),

    async job(id) {
      const { rows } = await db.query<RawJob>(`SELECT ${jobColumns} FROM jobs WHERE id = $1`, [id]);
      const row = rows[0];
      return row ? ((await withLastRuns(db, [toJob(row)]))[0] ?? null) : null;
    },

    async list(owner, limit) {
      const { rows } = await db.query<RawJob>(
        `SELECT ${jobColumns} FROM jobs WHERE owner = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
        [owner, limit],
      );
      return withLastRuns(db, rows.map(toJob));
    },

    async runs(jobId) {
      const { rows } = await db.query<RawRun>('SELECT * FROM job_runs WHERE job_id = $1 ORDER BY attempt', [
        jobId,
      ]);
      return rows.map(toRun);
    },

    async pruneFinished(before) {
      const { rowCount } = await db.query(
        `DELETE FROM jobs WHERE state IN ('completed', 'dead') AND finished_at < $1`,
        [before],
      );
      return rowCount;
    },
  };
}

export const scheduleInfo = (row: ScheduleRow): JobScheduleInfo => ({
  id: row.id,
  name: row.name,
  owner: row.owner,
  schedule: row.schedule,
  nextRunAt: row.nextRunAt,
});
