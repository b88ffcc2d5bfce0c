import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { createEmbeddedJobs } from '../../pipeline/jobs/embedded-jobs.js';
import { sqlJobRecords } from '../../pipeline/jobs/sql-job-records.js';
import { ManualClock } from '../../pipeline/jobs/testing/manual-clock.js';
import { loadMigrations } from '../../pipeline/store/migration-files.js';
import { migrate } from '../../pipeline/store/migrator.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { newsletterSchedule, scheduleNewsletter } from './schedule.js';

/** Runs the schedule from `start` with the clock stepped hour by hour over `hoursUtc` of each day; the send times. */
async function sendsOver(
  timeZone: string,
  start: number,
  days: readonly (readonly [month: number, day: number])[],
  hoursUtc: readonly number[],
): Promise<string[]> {
  const db = pgliteDatabase(await PGlite.create());
  await migrate(db, await loadMigrations());
  const clock = new ManualClock(start);
  const jobs = createEmbeddedJobs({ records: sqlJobRecords(db), clock });
  const sends: number[] = [];
  try {
    await scheduleNewsletter(jobs, timeZone, async () => {
      sends.push(clock.now());
    });
    await jobs.start();
    for (const [month, day] of days) {
      for (const hour of hoursUtc) {
        clock.advanceTo(Date.UTC(2027, month, day, hour));
        await jobs.whenIdle();
      }
    }
    return sends.map((at) => new Date(at).toISOString());
  } finally {
    await jobs.close();
    await db.close();
  }
}

describe('newsletter schedule on the jobs port', () => {
  it('sends Mon/Wed/Fri 07:00 Europe/Berlin, once each, across the start of summer time', async () => {
    // Thursday 2027-03-25 12:00 UTC; summer time starts Sunday 2027-03-28 02:00 CET (clocks jump to 03:00).
    const days = [25, 26, 27, 28, 29, 30, 31].map((day) => [2, day] as const);
    expect(await sendsOver('Europe/Berlin', Date.UTC(2027, 2, 25, 12), days, [4, 5, 6, 7, 8])).toEqual([
      '2027-03-26T06:00:00.000Z', // Fri 07:00 CET
      '2027-03-29T05:00:00.000Z', // Mon 07:00 CEST
      '2027-03-31T05:00:00.000Z', // Wed 07:00 CEST
    ]);
  }, 60_000);

  it('sends Mon/Wed/Fri 07:00 America/New_York, once each, across the start of daylight time', async () => {
    // Thursday 2027-03-11 15:00 UTC; daylight time starts Sunday 2027-03-14 02:00 EST (clocks jump to 03:00).
    const days = [11, 12, 13, 14, 15, 16, 17].map((day) => [2, day] as const);
    expect(
      await sendsOver('America/New_York', Date.UTC(2027, 2, 11, 15), days, [10, 11, 12, 13, 14]),
    ).toEqual([
      '2027-03-12T12:00:00.000Z', // Fri 07:00 EST
      '2027-03-15T11:00:00.000Z', // Mon 07:00 EDT
      '2027-03-17T11:00:00.000Z', // Wed 07:00 EDT
    ]);
  }, 60_000);

  it('sends Mon/Wed/Fri 07:00 Europe/Berlin, once each, across the end of summer time', async () => {
    const db = pgliteDatabase(await PGlite.create());
    await migrate(db, await loadMigrations());
    // Thursday 2026-10-22 12:00 UTC; summer time ends Sunday 2026-10-25 03:00 CEST.
    const clock = new ManualClock(Date.UTC(2026, 9, 22, 12));
    const jobs = createEmbeddedJobs({ records: sqlJobRecords(db), clock });
    const sends: number[] = [];
    try {
      const info = await scheduleNewsletter(jobs, 'Europe/Berlin', async () => {
        sends.push(clock.now());
      });
      expect(info.nextRunAt).toBe(Date.UTC(2026, 9, 23, 5)); // Fri 07:00 CEST
      await jobs.upsertSchedule(newsletterSchedule('Europe/Berlin')); // as a restart does: never a second schedule
      expect(await jobs.schedules('system')).toHaveLength(1);
      await jobs.start();
      // hour by hour around the morning (07:00 Berlin is 05:00 or 06:00 UTC), so each send runs at the hour it was due
      for (const day of [23, 24, 25, 26, 27, 28, 29]) {
        for (const hour of [4, 5, 6, 7, 8]) {
          clock.advanceTo(Date.UTC(2026, 9, day, hour));
          await jobs.whenIdle();
        }
      }
      expect(sends.map((at) => new Date(at).toISOString())).toEqual([
        '2026-10-23T05:00:00.000Z', // Fri 07:00 CEST
        '2026-10-26T06:00:00.000Z', // Mon 07:00 CET
        '2026-10-28T06:00:00.000Z', // Wed 07:00 CET
      ]);
    } finally {
      await jobs.close();
      await db.close();
    }
  }, 60_000);
});
