/**
 * Automation throughput: workflow runs per second (each run 2 `http` steps to a loopback server answering 204, so
 * 2 jobs + 2 effect-ledger entries + step updates per run) on the embedded jobs adapter (PGlite) and on BullMQ
 * (Redis at REDIS_URL), beside BullMQ's own bare job rate (no-op processor, same concurrency) on the same machine.
 * The workflow tables and the ledger are PGlite for both adapters, so the rows differ by the jobs adapter only.
 * Run: `REDIS_URL=redis://127.0.0.1:6379 npm run bench:automation -- [runs]` (default 300). Prints a table;
 * asserts nothing. BullMQ rows are left out without REDIS_URL. Queues are unique per run and removed after.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { automationRunner } from '../consumers/automation/runner.js';
import { createBullmqJobs } from '../pipeline/jobs/bullmq-jobs.js';
import { createEmbeddedJobs } from '../pipeline/jobs/embedded-jobs.js';
import { sqlJobRecords } from '../pipeline/jobs/sql-job-records.js';
import { pgliteDatabase } from '../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../pipeline/store/pglite-store.js';
import { sqlAutomations } from '../pipeline/store/sql-automations.js';
import { sqlEffectLedgerStore } from '../pipeline/store/sql-effect-ledger.js';
import { automationInputSchema, type Workflow } from '../schemas/automation.js';
import type { Jobs } from '../schemas/ports/jobs.js';
import { printTable } from './bench-table.js';

const runs = Number(process.argv[2] ?? 300);
const STEPS = 2;
const CONCURRENCY = 4; // both adapters' default

async function startSink() {
  let hits = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      hits++;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Triggers `runs` runs of a 2-step workflow and times them to the last run settled. */
async function workflowRuns(label: string, openJobs: (db: ReturnType<typeof pgliteDatabase>) => Jobs) {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  await store.migrate();
  const db = pgliteDatabase(pglite);
  const repository = sqlAutomations(db);
  const jobs = openJobs(db);
  const sink = await startSink();
  const runner = automationRunner({
    repository,
    jobs,
    ledger: sqlEffectLedgerStore(db).forConsumer('automation'),
    ports: { discord: null, mailer: null, mailFrom: 'bench@nexural.test', newsletter: null, now: Date.now },
  });
  const workflow: Workflow = {
    ...automationInputSchema.parse({
      name: 'bench',
      trigger: { kind: 'webhook', auth: 'token' },
      steps: Array.from({ length: STEPS }, (_, i) => ({
        kind: 'http',
        name: `s${i}`,
        url: `${sink.url}/s${i}`,
        body: '{{trigger.n}}',
      })),
    }),
    id: `wf-bench-${randomUUID()}`,
    owner: 'bench',
    secret: 'whsec_YmVuY2hiZW5jaGJlbmNoYmVuY2g=',
    createdAt: Date.now(),
  };
  await repository.create(workflow);
  await jobs.start();
  try {
    const started = performance.now();
    for (let n = 0; n < runs; n++)
      await runner.trigger(workflow, { id: `bench.${n}`, time: Date.now(), fields: { n } });
    await until(() => sink.hits() >= runs * STEPS, `${label}: ${runs * STEPS} step requests`);
    await until(async () => {
      const latest = await repository.runs('bench', workflow.id, runs);
      return latest.length === runs && latest.every((run) => run.status === 'succeeded');
    }, `${label}: every run succeeded`);
    const seconds = (performance.now() - started) / 1000;
    return {
      adapter: label,
      runs,
      'steps/run': STEPS,
      's total': Number(seconds.toFixed(2)),
      'runs/s': runs / seconds,
      'jobs/s': (runs * STEPS) / seconds,
    };
  } finally {
    await jobs.close();
    await sink.close();
    await store.close();
  }
}

/** BullMQ alone: `count` no-op jobs through one queue and worker of the same concurrency. */
async function bareBullmq(redisUrl: string, count: number, prefix: string) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const name = `bench-bare-${randomUUID()}`;
  const queue = new Queue(name, { connection, prefix });
  let done = 0;
  const worker = new Worker(
    name,
    async () => {
      done++;
    },
    { connection, prefix, concurrency: CONCURRENCY },
  );
  try {
    await worker.waitUntilReady();
    const started = performance.now();
    // one add per job, as the runner enqueues one step at a time
    for (let n = 0; n < count; n++)
      await queue.add('noop', { n }, { jobId: `j${n}`, removeOnComplete: true, attempts: 1 });
    await until(() => done >= count, 'bare BullMQ jobs');
    const seconds = (performance.now() - started) / 1000;
    return {
      adapter: 'BullMQ bare (no-op job)',
      runs: '-',
      'steps/run': '-',
      's total': Number(seconds.toFixed(2)),
      'runs/s': '-',
      'jobs/s': count / seconds,
    };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await connection.quit();
  }
}

async function dropKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

const rows: Record<string, string | number>[] = [];
rows.push(
  await workflowRuns('embedded (PGlite)', (db) =>
    createEmbeddedJobs({ records: sqlJobRecords(db), concurrency: CONCURRENCY }),
  ),
);
const redisUrl = process.env.REDIS_URL;
if (redisUrl !== undefined) {
  const prefix = `bench:automation:${randomUUID().slice(0, 8)}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    rows.push(
      await workflowRuns('BullMQ (Redis)', () =>
        createBullmqJobs({ redis, prefix, queueName: 'bench', concurrency: CONCURRENCY }),
      ),
    );
    rows.push(await bareBullmq(redisUrl, runs * STEPS, prefix));
  } finally {
    await redis.quit();
    await dropKeys(redisUrl, prefix);
  }
} else {
  process.stdout.write('REDIS_URL not set: BullMQ rows left out\n');
}
printTable(
  `automation: ${runs} workflow runs × ${STEPS} http steps (loopback 204), concurrency ${CONCURRENCY}`,
  rows,
);
