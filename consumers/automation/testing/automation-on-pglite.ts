import { PGlite } from '@electric-sql/pglite';
import { createEmbeddedJobs } from '../../../pipeline/jobs/embedded-jobs.js';
import { sqlJobRecords } from '../../../pipeline/jobs/sql-job-records.js';
import { pgliteDatabase } from '../../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../../pipeline/store/pglite-store.js';
import { sqlAutomations } from '../../../pipeline/store/sql-automations.js';
import { sqlEffectLedgerStore } from '../../../pipeline/store/sql-effect-ledger.js';
import type { StepPorts } from '../effects.js';
import { automationRunner } from '../runner.js';

/** The automation runner on a migrated in-memory PGlite with the embedded jobs adapter (jobs not started yet). */
export async function openAutomationOnPglite(ports: Partial<StepPorts> = {}) {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  await store.migrate();
  const db = pgliteDatabase(pglite);
  const repository = sqlAutomations(db);
  const jobs = createEmbeddedJobs({ records: sqlJobRecords(db) });
  const runner = automationRunner({
    repository,
    jobs,
    ledger: sqlEffectLedgerStore(db).forConsumer('automation'),
    ports: {
      discord: null,
      mailer: null,
      mailFrom: 'auto@nexural.test',
      newsletter: null,
      now: Date.now,
      ...ports,
    },
  });
  return { pglite, store, db, repository, jobs, runner };
}
