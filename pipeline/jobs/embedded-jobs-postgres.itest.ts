import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { stackEnv } from '../../test/stack-env.js';
import { loadMigrations } from '../store/migration-files.js';
import { migrate } from '../store/migrator.js';
import { openPgDatabase } from '../store/pg-database.js';
import { createEmbeddedJobs } from './embedded-jobs.js';
import { jobsContract } from './jobs.contract.js';
import { sqlJobRecords } from './sql-job-records.js';

// The embedded adapter's records are plain SQL: the same contract on TimescaleDB/PostgreSQL, in a schema of its own.
const schema = `itest_jobs_${randomBytes(4).toString('hex')}`;
const shared = (async () => {
  const db = await openPgDatabase({ connectionString: stackEnv().DATABASE_URL, schema, maxConnections: 4 });
  await migrate(db, await loadMigrations());
  return db;
})();
afterAll(async () => {
  const db = await shared;
  await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
}, 60_000);

jobsContract('embedded (PostgreSQL)', async () => {
  const db = await shared;
  const records = sqlJobRecords(db);
  return {
    open: async (options) => createEmbeddedJobs({ records, ...options }),
    openOnManualClock: async (clock) => createEmbeddedJobs({ records, clock }),
    cleanup: () => db.exec('TRUNCATE job_runs, jobs, job_schedules'),
  };
});
