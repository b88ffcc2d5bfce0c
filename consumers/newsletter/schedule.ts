import type { JobScheduleInfo, JobScheduleRequest, Jobs } from '../../schemas/ports/jobs.js';

export const newsletterJobName = 'newsletter.send';
export const newsletterScheduleId = 'newsletter-editions';
/** Monday, Wednesday and Friday at 07:00 (in the schedule's time zone). */
export const newsletterCron = '0 7 * * 1,3,5';

/**
 * Puts the edition send on the jobs port: one schedule (upserted by id, so a restart never adds a second) in
 * NEWSLETTER_TZ; the jobs port fires a wall-clock time once across DST. `send` must be resumable (it is:
 * prepareEdition resumes an unsent draft and delivery is one ledger record per recipient).
 */
export async function scheduleNewsletter(
  jobs: Jobs,
  timeZone: string,
  send: () => Promise<void>,
): Promise<JobScheduleInfo> {
  jobs.register(newsletterJobName, async () => send());
  return jobs.upsertSchedule(newsletterSchedule(timeZone));
}

export const newsletterSchedule = (timeZone: string): JobScheduleRequest => ({
  id: newsletterScheduleId,
  name: newsletterJobName,
  owner: 'system',
  schedule: { kind: 'cron', pattern: newsletterCron, timeZone },
  retry: { attempts: 5, backoffMs: 60_000 },
});
