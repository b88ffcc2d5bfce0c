// A workflow run in its own process, for the kill -9 test:
// node --import tsx workflow-child.ts DATA_DIR RECEIVER_URL start|resume — prints the settled run as JSON.
// Its secret and four steps are the ones crash-workflow.test.ts verifies.
import { PGlite } from '@electric-sql/pglite';
import { createEmbeddedJobs } from '../../../pipeline/jobs/embedded-jobs.js';
import { sqlJobRecords } from '../../../pipeline/jobs/sql-job-records.js';
import { loadMigrations } from '../../../pipeline/store/migration-files.js';
import { migrate } from '../../../pipeline/store/migrator.js';
import { pgliteDatabase } from '../../../pipeline/store/pglite-database.js';
import { sqlAutomations } from '../../../pipeline/store/sql-automations.js';
import { sqlEffectLedgerStore } from '../../../pipeline/store/sql-effect-ledger.js';
import { automationInputSchema } from '../../../schemas/automation.js';
import { automationRunner } from '../runner.js';

const CHILD_SECRET = 'whsec_Y3Jhc2gtdGVzdC1zZWNyZXQtY3Jhc2gtdGVzdA==';
const CHILD_STEPS = 4;

const [dataDir = '', receiverUrl = '', mode = 'start'] = process.argv.slice(2);
const db = pgliteDatabase(await PGlite.create(dataDir));
await migrate(db, await loadMigrations());
const repository = sqlAutomations(db);
const jobs = createEmbeddedJobs({ records: sqlJobRecords(db) });
const runner = automationRunner({
  repository,
  jobs,
  ledger: sqlEffectLedgerStore(db).forConsumer('automation'),
  ports: { discord: null, mailer: null, mailFrom: 'auto@nexural.test', newsletter: null, now: Date.now },
});
if (mode === 'start') {
  const workflow = {
    ...automationInputSchema.parse({
      name: 'four signed webhooks',
      trigger: { kind: 'webhook' },
      steps: Array.from({ length: CHILD_STEPS }, (_, i) => ({
        kind: 'webhook',
        name: `step-${i + 1}`,
        url: `${receiverUrl}/step-${i + 1}`,
      })),
      retry: { attempts: 3, backoffMs: 10 },
    }),
    id: 'wf-crash',
    owner: 'alice',
    secret: CHILD_SECRET,
    createdAt: Date.now(),
  };
  await repository.create(workflow);
  await runner.trigger(workflow, { id: 'hook.crash-1', time: Date.now(), fields: { symbol: 'BTCUSDT' } });
}
await jobs.start();
for (;;) {
  const [run] = await repository.runs('alice', 'wf-crash', 1);
  if (run && run.status !== 'running') {
    process.stdout.write(JSON.stringify(run));
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 25));
}
await jobs.close();
await db.close();
