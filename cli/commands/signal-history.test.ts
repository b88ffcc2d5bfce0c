import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DryRunResult } from '../../consumers/automation/dry-run.js';
import { automationService } from '../../consumers/automation/service.js';
import { openAutomationOnPglite } from '../../consumers/automation/testing/automation-on-pglite.js';
import { startHookReceiver } from '../../consumers/automation/testing/hook-receiver.js';
import { XRPETH_TRADES } from '../../consumers/strategy/testing/xrpeth.js';
import { readTradeFileLines } from '../../pipeline/readers/read-trades.js';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import { parseStrategy } from '../../schemas/strategy.js';
import type { TradeTick } from '../../schemas/tick.js';
import { topicNames } from '../../schemas/topics.js';
import { runBacktest } from './backtest.js';
import { backtestSignalHistory } from './signal-history.js';

const strategyJson = {
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
  size: { percentEquity: 50 },
  feeBps: 10,
};
const dir = await mkdtemp(join(tmpdir(), 'nexural-signal-history-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const env = { KAFKA_BROKERS: undefined, KAFKA_CLIENT_ID: 'nexural', NEXURAL_DATA_DIR: join(dir, 'data') };
const logDir = join(env.NEXURAL_DATA_DIR, 'log');

/** The real XRPETH aggTrades on the raw trades topic, as `npm start` / `nexural ingest` leave it. */
async function recordRawTopic(): Promise<void> {
  const ticks: TradeTick[] = [];
  for await (const { tick } of readTradeFileLines(XRPETH_TRADES, {
    format: 'binance-aggtrades',
    venue: 'binance',
    symbol: 'XRPETH',
  }))
    ticks.push(tick);
  const log = createEmbeddedLog({ dataDir: logDir });
  const topic = topicNames().trades;
  await log.admin.createTopics([{ name: topic, partitions: 1, compacted: false }]);
  const producer = await log.createProducer();
  await producer.send(
    ticks.map((tick) => ({
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
    })),
  );
  await producer.close();
  await log.close();
}

describe('dry-run of a signal-triggered workflow over history (the backtest machinery, signal by signal)', () => {
  it('lists a run per buy signal the strategy would have made — as many as the CLI backtest’s round trips — and sends nothing', async () => {
    await recordRawTopic();
    const [from, to] = ['2019-10-12T00:00:00Z', '2019-10-12T12:00:00Z'];
    await writeFile(join(dir, 'strategy.json'), JSON.stringify(strategyJson));
    const backtest = await runBacktest(
      { strategy: join(dir, 'strategy.json'), out: join(dir, 'cli'), progress: false, from, to },
      env,
    );
    const rows = (await readFile(join(dir, 'cli', 'trades.csv'), 'utf8')).trim().split('\n').slice(1);
    expect(rows.length).toBe(backtest.trades);
    expect(rows.length).toBeGreaterThan(0);

    const { store, db, repository, jobs, runner } = await openAutomationOnPglite();
    await jobs.start();
    const receiver = await startHookReceiver(null);
    const log = createEmbeddedLog({ dataDir: logDir });
    try {
      await db.query("INSERT INTO users (id) VALUES ('alice')");
      const strategies = sqlStrategyStore(db);
      await strategies.putStrategy({
        id: 'alice-ema',
        owner: 'alice',
        strategy: parseStrategy(strategyJson, 'test'),
        enabled: true,
      });
      const service = automationService({
        repository,
        runner,
        reader: store,
        signals: backtestSignalHistory({ strategies, log }),
      });
      const workflow = await service.create('alice', {
        name: 'buy alert',
        trigger: { kind: 'signal', strategy: 'close-ema', side: 'buy' },
        steps: [
          {
            kind: 'http',
            name: 'post',
            url: `${receiver.url}/buy`,
            body: '{{trigger.action}} {{trigger.symbol}} {{trigger.strategyId}}',
          },
        ],
      });
      const result = (await service.dryRun('alice', workflow.id, {
        from: Date.parse(from),
        to: Date.parse(to),
      })) as DryRunResult;
      if (result.kind !== 'planned') throw new Error(`dry-run: ${JSON.stringify(result)}`);
      // long-only, one position at a time: each buy (entry long) signal opened one of the backtest's round trips
      expect(result.runs.length).toBe(rows.length);
      for (const [index, run] of result.runs.entries()) {
        const entry = Date.parse(rows[index]?.split(',')[0] ?? '');
        expect(run.event.id).toMatch(/^signal\.alice-ema:XRPETH:\d+:entry:long$/);
        // the order fills at the first trade after the signal bar closes
        expect(entry).toBeGreaterThan(run.event.time);
        expect(run.steps).toEqual([
          {
            name: 'post',
            kind: 'http',
            runs: true,
            target: `POST ${receiver.url}/buy`,
            content: 'buy XRPETH alice-ema',
          },
        ]);
      }
      // an unknown strategy name has no signals; bob sees no workflow of alice's
      const other = await service.create('alice', {
        name: 'x',
        trigger: { kind: 'signal', strategy: 'nope' },
        steps: [{ kind: 'http', name: 'post', url: `${receiver.url}/x` }],
      });
      const none = await service.dryRun('alice', other.id, { from: Date.parse(from), to: Date.parse(to) });
      expect(none).toMatchObject({ kind: 'planned', runs: [] });
      await expect(
        service.dryRun('bob', workflow.id, { from: Date.parse(from), to: Date.parse(to) }),
      ).rejects.toMatchObject({ code: 'NXR_NOT_FOUND' });
      // nothing sent, enqueued or stored
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(receiver.received).toEqual([]);
      expect(await repository.runs('alice', workflow.id, 10)).toEqual([]);
    } finally {
      await receiver.close();
      await jobs.close();
      await log.close();
      await store.close();
    }
  }, 240_000);
});
