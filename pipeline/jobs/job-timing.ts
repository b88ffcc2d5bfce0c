import { CronExpressionParser } from 'cron-parser';
import { NexuralError } from '../../schemas/errors.js';
import type { JobRetryPolicy, JobSchedule } from '../../schemas/ports/jobs.js';

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly jitter: number;
}

/** The policy with its defaults, checked: attempts 1–100, backoff 0–1 day, jitter 0–1. */
export function retryPolicy(policy: JobRetryPolicy = {}): RetryPolicy {
  const resolved = { attempts: 3, backoffMs: 1000, jitter: 0.5, ...policy };
  const bad = (field: string, value: number, range: string) =>
    new NexuralError('NXR_CONFIG_INVALID', `job retry.${field} is ${value}; expected ${range}`, {
      field,
      value,
    });
  if (!Number.isInteger(resolved.attempts) || resolved.attempts < 1 || resolved.attempts > 100)
    throw bad('attempts', resolved.attempts, 'an integer 1–100');
  if (!(resolved.backoffMs >= 0 && resolved.backoffMs <= 86_400_000))
    throw bad('backoffMs', resolved.backoffMs, '0–86400000');
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1)) throw bad('jitter', resolved.jitter, '0–1');
  return resolved;
}

/**
 * Delay before the attempt after `attemptsMade` failed ones: backoffMs × 2^(attemptsMade-1), of which a
 * `jitter` fraction is drawn at random (so many jobs failing together do not retry together).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attemptsMade: number,
  random: () => number = Math.random,
): number {
  const exponential = policy.backoffMs * 2 ** Math.max(0, attemptsMade - 1);
  return Math.round(exponential * (1 - policy.jitter * random()));
}

/**
 * The first due time strictly after `afterMs`. Cron patterns are read in their time zone by cron-parser (the
 * library and version BullMQ uses): a wall-clock time skipped by DST runs once at the next valid instant, a time
 * that occurs twice runs once.
 */
export function nextScheduleRun(schedule: JobSchedule, afterMs: number): number | null {
  if (schedule.kind === 'every') return (Math.floor(afterMs / schedule.everyMs) + 1) * schedule.everyMs;
  try {
    const cron = CronExpressionParser.parse(schedule.pattern, {
      currentDate: new Date(afterMs),
      tz: schedule.timeZone ?? 'UTC',
    });
    return cron.hasNext() ? cron.next().getTime() : null;
  } catch (error) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `schedule "${schedule.pattern}" in ${schedule.timeZone ?? 'UTC'}: ${error instanceof Error ? error.message : String(error)}`,
      { pattern: schedule.pattern },
      { cause: error },
    );
  }
}

/** Checks a schedule before it is stored, naming the bad field. */
export function checkSchedule(schedule: JobSchedule, now: number): void {
  if (schedule.kind === 'every') {
    if (!Number.isInteger(schedule.everyMs) || schedule.everyMs < 1)
      throw new NexuralError(
        'NXR_CONFIG_INVALID',
        `schedule everyMs is ${schedule.everyMs}; expected an integer ≥ 1`,
        {
          everyMs: schedule.everyMs,
        },
      );
    return;
  }
  const zone = schedule.timeZone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new NexuralError('NXR_CONFIG_INVALID', `schedule timeZone "${zone}" is not an IANA time zone`, {
      zone,
    });
  }
  nextScheduleRun(schedule, now);
}

/** Job and schedule ids: 1–256 characters, no `:` (BullMQ's key separator), not only digits (BullMQ's own ids). */
export function checkJobId(id: string): void {
  if (id.length < 1 || id.length > 256 || id.includes(':') || /^\d+$/.test(id)) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `job id "${id}" is not allowed: 1–256 characters, no ":", not only digits`,
      { id },
    );
  }
}
