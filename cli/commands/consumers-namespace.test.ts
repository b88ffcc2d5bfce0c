import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHookReceiver } from '../../consumers/automation/testing/hook-receiver.js';
import { buildPipeline } from '../../pipeline/runtime/wiring/build-pipeline.js';
import { pgliteDataDir } from '../../pipeline/store/open-store.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlAutomations } from '../../pipeline/store/sql-automations.js';
import { automationInputSchema } from '../../schemas/automation.js';
import { parseEnv } from '../../schemas/env.js';
import {
  type StrategySignal,
  strategySignalSchema,
  strategySignalsTopic,
} from '../../schemas/strategy-signal.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const namespace = 'autons';

const signal = (minute: number): StrategySignal => {
  const open = Date.UTC(2024, 7, 9, 0, minute);
  return strategySignalSchema.parse({
    id: `strat-1:BTCUSDT:${open}:entry:long`,
    strategyId: 'strat-1',
    owner: 'alice',
    name: 'breakout',
    venue: 'binance',
    symbol: 'BTCUSDT',
    interval: '1m',
    kind: 'entry',
    side: 'long',
    barOpenTime: open,
    barCloseTime: open + 59_999,
    signalOnly: true,
  });
};

/** alice's signal workflow in the data dir's PGlite; two signals on the namespace's topic, one on the live topic. */
async function seedDataDir(dataDir: string, receiverUrl: string) {
  const env = parseEnv({ NEXURAL_DATA_DIR: dataDir });
  const db = await PGlite.create({ dataDir: pgliteDataDir(env) });
  const store = await openPgliteStore({ db });
  await store.migrate();
  await sqlAutomations(pgliteDatabase(db)).create({
    ...automationInputSchema.parse({
      name: 'on breakout',
      trigger: { kind: 'signal', strategy: 'breakout' },
      steps: [{ kind: 'http', name: 'post', url: `${receiverUrl}/signal`, body: '{{trigger.symbol}}' }],
    }),
    id: 'wf-ns',
    owner: 'alice',
    secret: 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=',
    createdAt: Date.now(),
  });
  await store.close();
  const pipeline = await buildPipeline({
    env,
    processor: { groupId: 'nexural-processor', engine: { bars: { intervals: ['1m'] } } },
    persistEmbeddedLog: true,
  });
  const topics = [strategySignalsTopic(namespace), strategySignalsTopic()];
  await pipeline.log.admin.createTopics(topics.map((name) => ({ name, partitions: 1, compacted: false })));
  const producer = await pipeline.log.createProducer();
  const record = (topic: string, value: StrategySignal) => ({
    topic,
    key: `${value.venue}:${value.symbol}`,
    value: Buffer.from(JSON.stringify(value)),
    partition: 0,
  });
  await producer.send([
    record(strategySignalsTopic(namespace), signal(1)),
    record(strategySignalsTopic(namespace), signal(2)),
    record(strategySignalsTopic(), signal(3)),
  ]);
  await producer.close();
  await pipeline.close();
}

function startConsumersProcess(dataDir: string): {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/main.ts', 'consumers', 'run', 'automation-triggers', '--namespace', namespace],
    {
      cwd: repoRoot,
      // the embedded defaults whatever the surrounding stack exports
      env: {
        ...process.env,
        KAFKA_BROKERS: '',
        DATABASE_URL: '',
        REDIS_URL: '',
        SCHEMA_REGISTRY_URL: '',
        NEXURAL_DATA_DIR: dataDir,
      },
    },
  );
  let text = '';
  child.stdout.on('data', (chunk) => {
    text += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    text += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function waitFor(check: () => boolean, what: () => string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('nexural consumers run automation-triggers --namespace as a process', () => {
  let dataDir: string;
  let receiver: Awaited<ReturnType<typeof startHookReceiver>>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nexural-consumers-ns-'));
    receiver = await startHookReceiver(null);
    await seedDataDir(dataDir, receiver.url);
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads the namespace’s strategy-signals topic (nexural.run.<ns>.strategy-signals), not the live one', async () => {
    const consumers = startConsumersProcess(dataDir);
    try {
      await waitFor(
        () => receiver.received.length >= 2,
        () =>
          `2 requests, got ${receiver.received.length}; the process printed:\n${consumers.output().slice(-4_000)}`,
      );
      expect(consumers.output()).toContain('nexural consumers: automation-triggers on embedded');
      // the live topic's signal (minute 3) would be a third run: give it time to show up if it were read
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      consumers.child.kill('SIGTERM');
    }
    expect(await consumers.exited).toBe(0);
    expect(receiver.received.map((hook) => [hook.path, hook.body])).toEqual([
      ['/signal', 'BTCUSDT'],
      ['/signal', 'BTCUSDT'],
    ]);
    const db = await PGlite.create({ dataDir: pgliteDataDir(parseEnv({ NEXURAL_DATA_DIR: dataDir })) });
    const { rows } = await db.query<{ event_id: string; status: string }>(
      "SELECT event_id, status FROM automation_workflow_runs WHERE workflow_id = 'wf-ns' ORDER BY event_id",
    );
    await db.close();
    expect(rows).toEqual([
      { event_id: `signal.${signal(1).id}`, status: 'succeeded' },
      { event_id: `signal.${signal(2).id}`, status: 'succeeded' },
    ]);
  }, 400_000);
});
