import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openAutomationOnPglite } from '../../consumers/automation/testing/automation-on-pglite.js';
import { XRPETH_TRADES } from '../../consumers/strategy/testing/xrpeth.js';
import { readTradeFileLines } from '../../pipeline/readers/read-trades.js';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { automationInputSchema, type Workflow, type WorkflowRun } from '../../schemas/automation.js';
import { topicNames } from '../../schemas/topics.js';
import { researchRunner } from './automation-wiring.js';
import { runBacktest } from './backtest.js';
import { runReplay } from './replay.js';

const strategy = {
  name: 'close-ema',
  venue: 'binance',
  symbol: 'XRPETH',
  interval: '5m',
  entry: {
    source: { kind: 'bar', field: 'close' },
    operator: 'crossing_up',
    value: { kind: 'indicator', spec: 'ema(10)', output: 'value' },
  },
  exit: {
    source: { kind: 'bar', field: 'close' },
    operator: 'crossing_down',
    value: { kind: 'indicator', spec: 'ema(10)', output: 'value' },
  },
  stopLoss: { atr: 2 },
  size: { percentEquity: 50 },
  feeBps: 10,
  slippageBps: 2,
};
const dir = await mkdtemp(join(tmpdir(), 'nexural-automation-research-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const env = {
  KAFKA_BROKERS: undefined,
  KAFKA_CLIENT_ID: 'nexural',
  NEXURAL_DATA_DIR: join(dir, 'data'),
  SCHEMA_REGISTRY_URL: undefined,
};

/** The real XRPETH aggTrades on the raw trades topic of the embedded log, as `nexural ingest` leaves them. */
async function recordRawTopic(): Promise<void> {
  const log = createEmbeddedLog({ dataDir: join(env.NEXURAL_DATA_DIR, 'log') });
  const topic = topicNames().trades;
  await log.admin.createTopics([{ name: topic, partitions: 2, compacted: false }]);
  const producer = await log.createProducer();
  const records = [];
  for await (const { tick } of readTradeFileLines(XRPETH_TRADES, {
    format: 'binance-aggtrades',
    venue: 'binance',
    symbol: 'XRPETH',
  }))
    records.push({
      topic,
      key: 'binance:XRPETH',
      value: Buffer.from(
        JSON.stringify({
          venue: tick.venue,
          symbol: tick.symbol,
          tradeId: tick.tradeId,
          timeUs: tick.timeUs,
          price: tick.price,
          size: tick.size,
          side: tick.aggressor,
        }),
      ),
    });
  await producer.send(records);
  await producer.close();
  await log.close();
}

const recorded = recordRawTopic();
const [from, to] = ['2019-10-12T00:00:00Z', '2019-10-12T12:00:00Z'];

async function settle(repository: { run(id: string): Promise<WorkflowRun | null> }, runId: string) {
  let settled: WorkflowRun | null = null;
  for (const deadline = Date.now() + 240_000; Date.now() < deadline; ) {
    settled = await repository.run(runId);
    if (settled && settled.status !== 'running') return settled;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${runId} did not settle: ${JSON.stringify(settled)}`);
}

const workflowOf = (steps: unknown[], id: string): Workflow => ({
  ...automationInputSchema.parse({
    name: id,
    trigger: { kind: 'webhook', auth: 'token' },
    steps,
    retry: { attempts: 2, backoffMs: 10 },
  }),
  id,
  owner: 'alice',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  createdAt: Date.now(),
});

describe('automation backtest and replay steps', () => {
  it('runs the strategy over the templated range of the raw topic: the same trades as `nexural backtest --from/--to`, its run id and output dir in the run history, once per event', async () => {
    await recorded;
    await writeFile(join(dir, 'strategy.json'), JSON.stringify(strategy));
    const cli = await runBacktest(
      { strategy: join(dir, 'strategy.json'), from, to, out: join(dir, 'cli'), progress: false },
      env,
    );
    expect(cli.trades).toBeGreaterThan(0);

    const { repository, jobs, runner } = await openAutomationOnPglite({ research: researchRunner(env) });
    await jobs.start();
    try {
      const workflow = workflowOf(
        [{ kind: 'backtest', name: 'bt', strategy, from: '{{trigger.from}}', to: '{{trigger.to}}' }],
        'wf-backtest',
      );
      await repository.create(workflow);
      const event = { id: 'hook.1', time: Date.now(), fields: { from, to } };
      const { run } = await runner.trigger(workflow, event);
      const settled = await settle(repository, run.id);
      expect(settled.status, `run ${JSON.stringify(settled)}`).toBe('succeeded');
      const step = settled.steps[0];
      expect(step?.status).toBe('succeeded');
      const response = step?.response ?? {};
      expect(response.runId).toBe(`auto-automation-${run.id}-0`);
      expect(response.trades).toBe(cli.trades);
      expect(response.ticks).toBe(cli.ticks);
      const outDir = String(response.outDir);
      expect(outDir).toBe(join(env.NEXURAL_DATA_DIR, 'automation', 'backtests', String(response.runId)));
      for (const name of ['trades.csv', 'equity.csv', 'metrics.json'])
        expect(await readFile(join(outDir, name), 'utf8'), name).toBe(
          await readFile(join(dir, 'cli', name), 'utf8'),
        );

      // the same trigger event again: no second run, the first one's response
      const again = await runner.trigger(workflow, event);
      expect(again.created).toBe(false);
      expect(again.run.id).toBe(run.id);
    } finally {
      await jobs.close();
    }
  }, 300_000);

  it('a replay step replays the range into its own run topics: the same ticks and final bars as `nexural replay`', async () => {
    await recorded;
    const cli = await runReplay(
      { run: 'cli-replay', from, to, symbols: 'XRPETH', progress: false },
      env,
      new PassThrough(),
      new AbortController().signal,
    );
    expect(cli.counts.ticks).toBeGreaterThan(0);

    const { repository, jobs, runner } = await openAutomationOnPglite({ research: researchRunner(env) });
    await jobs.start();
    try {
      const workflow = workflowOf(
        [{ kind: 'replay', name: 'rp', from: '{{trigger.from}}', to: '{{trigger.to}}', symbols: ['XRPETH'] }],
        'wf-replay',
      );
      await repository.create(workflow);
      const { run } = await runner.trigger(workflow, {
        id: 'hook.2',
        time: Date.now(),
        fields: { from, to },
      });
      const settled = await settle(repository, run.id);
      expect(settled.status, `run ${JSON.stringify(settled)}`).toBe('succeeded');
      const response = settled.steps[0]?.response ?? {};
      expect(response).toEqual({
        runId: `auto-automation-${run.id}-0`,
        barsTopic: cli.topics.barsFinal.replace('cli-replay', `auto-automation-${run.id}-0`),
        ticks: cli.counts.ticks,
        finalBars: cli.counts.finalBars,
      });
    } finally {
      await jobs.close();
    }
  }, 300_000);
  it('a step over its timeoutMs stops its run and fails with NXR_TIMEOUT naming the limit; retried, then dead', async () => {
    await recorded;
    const real = researchRunner(env);
    const started: AbortSignal[] = [];
    // the real adapter, started only once the step's limit is up: its signal is then aborted
    const late = {
      ...real,
      replay: async (request: Parameters<typeof real.replay>[0]) => {
        started.push(request.signal);
        await new Promise((resolve) => request.signal.addEventListener('abort', resolve, { once: true }));
        return real.replay(request);
      },
    };
    const { repository, jobs, runner } = await openAutomationOnPglite({ research: late });
    await jobs.start();
    try {
      const workflow = workflowOf(
        [{ kind: 'replay', name: 'rp', from, to, symbols: ['XRPETH'], timeoutMs: 1_000 }],
        'wf-replay-timeout',
      );
      await repository.create(workflow);
      const { run } = await runner.trigger(workflow, { id: 'hook.3', time: Date.now(), fields: {} });
      const settled = await settle(repository, run.id);
      expect(settled.status).toBe('dead');
      expect(settled.steps[0]).toMatchObject({
        status: 'dead',
        attempts: 2,
        error: 'replay step did not finish within its timeoutMs (1000 ms)',
      });
      expect(started).toHaveLength(2);
      expect(started.every((signal) => signal.aborted)).toBe(true);
    } finally {
      await jobs.close();
    }
  }, 60_000);

  it('a backtest stopped by its signal rejects and writes no files', async () => {
    await recorded;
    await writeFile(join(dir, 'strategy.json'), JSON.stringify(strategy));
    const out = join(dir, 'stopped');
    await expect(
      runBacktest(
        { strategy: join(dir, 'strategy.json'), from, to, out, progress: false, signal: AbortSignal.abort() },
        env,
      ),
    ).rejects.toMatchObject({ name: 'AbortError' });
    await expect(readFile(join(out, 'trades.csv'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);
});
