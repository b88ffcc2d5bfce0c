import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, expect, it } from 'vitest';
import { loadMigrations } from '../store/migration-files.js';
import { migrate } from '../store/migrator.js';
import { pgliteDatabase } from '../store/pglite-database.js';
import { createEmbeddedJobs } from './embedded-jobs.js';
import { jobsContract } from './jobs.contract.js';
import { sqlJobRecords } from './sql-job-records.js';

/** A PGlite database migrated once; every open() is a new adapter on it (a restart of the process). */
async function migratedPglite() {
  const pglite = await PGlite.create();
  const db = pgliteDatabase(pglite);
  await migrate(db, await loadMigrations());
  return db;
}

// Migrating PGlite takes seconds: one database for the suite, emptied after each test.
const shared = migratedPglite();
afterAll(async () => (await shared).close());

jobsContract('embedded (PGlite)', async () => {
  const db = await shared;
  const records = sqlJobRecords(db);
  return {
    open: async (options) => createEmbeddedJobs({ records, ...options }),
    openOnManualClock: async (clock) => createEmbeddedJobs({ records, clock }),
    cleanup: () => db.exec('TRUNCATE job_runs, jobs, job_schedules'),
  };
});

it('persists jobs and their history in the data folder: a reopened store has them', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'nexural-jobs-'));
  try {
    const first = pgliteDatabase(await PGlite.create({ dataDir }));
    await migrate(first, await loadMigrations());
    const jobs = createEmbeddedJobs({ records: sqlJobRecords(first) });
    jobs.register('digest', async () => {});
    await jobs.start();
    const id = await jobs.enqueue({ name: 'digest', owner: 'alice', id: 'digest-1' });
    const pending = await jobs.enqueue({ name: 'digest', owner: 'alice', id: 'digest-2', delayMs: 60_000 });
    await jobs.upsertSchedule({
      id: 'weekly',
      name: 'digest',
      owner: 'alice',
      schedule: { kind: 'cron', pattern: '0 9 * * 1', timeZone: 'Europe/Berlin' },
    });
    for (let n = 0; n < 200 && (await jobs.job(id))?.state !== 'completed'; n += 1)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await jobs.close();
    await first.close();

    const second = pgliteDatabase(await PGlite.create({ dataDir }));
    const reopened = createEmbeddedJobs({ records: sqlJobRecords(second) });
    expect((await reopened.job(id))?.lastRun?.outcome).toBe('completed');
    expect((await reopened.job(pending))?.state).toBe('delayed');
    expect((await reopened.schedules('alice')).map((schedule) => schedule.id)).toEqual(['weekly']);
    await second.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
