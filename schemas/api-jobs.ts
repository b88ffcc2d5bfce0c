import { z } from 'zod';

// GET /v1/jobs: the caller's background jobs (newsletter editions, workflow steps…) and schedules.

const jobDataSchema = z.record(z.string(), z.unknown());

export const jobRunSchema = z.object({
  jobId: z.string(),
  attempt: z.number().int().describe('1 for the first run'),
  startedAt: z.number().describe('ms since epoch'),
  finishedAt: z.number().describe('ms since epoch'),
  durationMs: z.number(),
  outcome: z.enum(['completed', 'failed']),
  error: z.string().nullable().describe("the failed attempt's error message"),
});

export const jobInfoSchema = z.object({
  id: z.string(),
  name: z.string().describe('the kind of job (its handler)'),
  owner: z.string(),
  data: jobDataSchema,
  state: z
    .enum(['waiting', 'delayed', 'active', 'completed', 'dead'])
    .describe('dead: failed its last attempt, or failed in a way a retry cannot fix'),
  scheduleId: z.string().nullable().describe('the schedule that created it'),
  attemptsMade: z.number().int(),
  maxAttempts: z.number().int(),
  createdAt: z.number().describe('ms since epoch'),
  runAt: z.number().describe('when it is (or was) due, ms since epoch'),
  lastError: z.string().nullable(),
  lastRun: jobRunSchema.nullable().describe('the latest attempt, null before the first'),
});

export const jobScheduleSchema = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.string(),
  schedule: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('cron'), pattern: z.string(), timeZone: z.string().optional() }),
    z.object({ kind: z.literal('every'), everyMs: z.number() }),
  ]),
  nextRunAt: z.number().nullable().describe('ms since epoch of the next run; null = no further run'),
});

export const jobsQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .describe('most recent jobs to return (default 50)'),
});

export const jobListSchema = z.object({
  items: z.array(jobInfoSchema).describe('newest first'),
  schedules: z.array(jobScheduleSchema),
});
