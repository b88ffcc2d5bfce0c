import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { readStrategy, runBacktest } from '../../cli/commands/backtest.js';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { readAll } from '../../pipeline/runtime/processor/testing/processor-test-kit.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import type { StoredFill } from '../../schemas/ports/strategies.js';
import { strategySignalSchema } from '../../schemas/strategy-signal.js';
import { type ConsumerPorts, startConsumer } from '../consumer-runtime.js';
import { contractDecoders, contractTopics } from '../testing/contract-topics.js';
import { strategyConsumer } from './strategy-consumer.js';
import { closeEmaStrategy, XRPETH_TRADES, xrpethTopics } from './testing/xrpeth.js';

const dir = await mkdtemp(join(tmpdir(), 'nexural-strategy-consumer-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
await writeFile(join(dir, 'strategy.json'), JSON.stringify(closeEmaStrategy));
const { strategy, indicators } = await readStrategy(join(dir, 'strategy.json'));

const iso = (ms: number) => new Date(ms).toISOString();

/** trades.csv rows of the closed round trips among stored fills (one position at a time). */
function roundTrips(fills: readonly StoredFill[]): string[] {
  const rows: string[] = [];
  for (let i = 0; i + 1 < fills.length; i += 2) {
    const [entry, exit] = [fills[i], fills[i + 1]];
    if (!entry || !exit) break;
    rows.push(
      [
        iso(entry.time),
        iso(exit.time),
        entry.positionSide,
        entry.quantity,
        entry.price,
        exit.price,
        entry.fee + exit.fee,
        exit.pnl,
        exit.reason,
      ].join(','),
    );
  }
  return rows;
}

async function until(done: () => boolean | Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the strategy consumer on the embedded log and PGlite', () => {
  it("fills a user's strategy on the pipeline's topics as the backtest does; re-reading everything fills nothing twice", async () => {
    const log = createEmbeddedLog();
    const pglite = await PGlite.create();
    const store = await openPgliteStore({ db: pglite });
    await store.migrate();
    const db = pgliteDatabase(pglite);
    const strategies = sqlStrategyStore(db);
    const topics = contractTopics(randomUUID().slice(0, 8));
    await log.admin.createTopics(
      Object.values(topics).map((name) => ({ name, partitions: 2, compacted: false })),
    );
    const { decoders, deadLetters, strategySignals } = contractDecoders(topics);
    try {
      await db.query("INSERT INTO users (id) VALUES ('alice'), ('bob')");
      await strategies.putStrategy({ id: 'alice-ema', owner: 'alice', strategy, enabled: true });

      const [trades = [], bars = [], values = []] = await xrpethTopics(indicators);
      const producer = await log.createProducer();
      const key = 'binance:XRPETH';
      await producer.send(
        trades
          .flatMap((record) => (record.topic === 'trades' ? [record.value] : []))
          .map((value) => ({
            topic: topics.trades,
            key,
            value: Buffer.from(
              JSON.stringify({ ...value, kind: undefined, aggressor: undefined, side: value.aggressor }),
            ),
          })),
      );
      await producer.send(
        bars.map(({ value }) => ({
          topic: topics.barsFinal,
          key,
          value: Buffer.from(JSON.stringify(value)),
        })),
      );
      await producer.send(
        values.map(({ value }) => ({
          topic: topics.indicators,
          key,
          value: Buffer.from(JSON.stringify(value)),
        })),
      );
      await producer.close();
      const total = trades.length + bars.length + values.length;

      const ledgers = sqlEffectLedgerStore(db);
      const ports: ConsumerPorts = {
        log,
        decoders,
        deadLetters,
        ledgers,
        store,
        fanout: null,
        jobs: null,
        strategies,
        strategySignals,
        metrics: new Registry(),
        logger: { info: () => {}, warn: () => {}, error: () => {} },
      };
      const run = async (groupId: string) => {
        const running = await startConsumer(strategyConsumer, ports, { groupId });
        const started = Date.now();
        await until(() => running.stats.handled >= total).catch((error) => {
          throw new Error(`${error}: ${running.stats.handled} of ${total} in ${Date.now() - started} ms`);
        });
        console.log(`${groupId}: ${total} records in ${Date.now() - started} ms`);
        await running.close();
        return running.stats;
      };
      const all = { from: 0, to: Date.UTC(2100, 0), limit: 10_000 };

      expect((await run('first')).deadLettered).toBe(0);
      const fills = await strategies.fills('alice', 'alice-ema', all);
      const effects = await ledgers.forConsumer('strategy').list({ limit: 100_000 });
      const signals = (await readAll(log, topics.strategySignals, 200)).flat();

      await runBacktest({
        strategy: join(dir, 'strategy.json'),
        trades: XRPETH_TRADES,
        format: 'binance-aggtrades',
        out: join(dir, 'out'),
        progress: false,
      });
      const expected = (await readFile(join(dir, 'out', 'trades.csv'), 'utf8')).trim().split('\n').slice(1);
      // live has no end of data: the last position (closed end_of_data by the backtest) is still open
      const live = roundTrips(fills);
      expect(live.length).toBeGreaterThan(10);
      expect(live).toEqual(expected.slice(0, live.length));
      expect(expected.length - live.length).toBeLessThanOrEqual(1);
      expect(fills.map((fill) => fill.seq)).toEqual(fills.map((_, i) => i + 1));
      expect(effects.filter((effect) => effect.effectKey.startsWith('fill:'))).toHaveLength(fills.length);
      expect(signals.length).toBeGreaterThanOrEqual(fills.length);
      const first = strategySignalSchema.parse(JSON.parse(signals[0]?.value?.toString('utf8') ?? 'null'));
      expect(first).toMatchObject({
        strategyId: 'alice-ema',
        owner: 'alice',
        symbol: 'XRPETH',
        kind: 'entry',
      });
      const equity = await strategies.equity('alice', 'alice-ema', all);
      // one point per final bar but the last, which waits for a later trade
      expect(equity.length).toBe(bars.length - 1);
      expect(await strategies.fills('bob', 'alice-ema', all)).toEqual([]);
      // the position the backtest closed at the end of the data is open live
      const open = await strategies.positions('alice', 'alice-ema');
      expect(open).toHaveLength(expected.length - live.length);
      expect(await strategies.positions('bob', 'alice-ema')).toEqual([]);

      // a new group re-reads every record from the start: the saved state skips them, nothing is filled again
      await run('second');
      expect(await strategies.fills('alice', 'alice-ema', all)).toEqual(fills);
      expect(await ledgers.forConsumer('strategy').list({ limit: 100_000 })).toEqual(effects);
      expect((await readAll(log, topics.strategySignals, 200)).flat()).toHaveLength(signals.length);
    } finally {
      await log.admin.deleteTopics(Object.values(topics)).catch(() => {});
      await store.close();
    }
  }, 600_000);
});
