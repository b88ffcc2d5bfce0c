import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { XRPETH_TRADES } from '../../consumers/strategy/testing/xrpeth.js';
import { readTradeFileLines } from '../../pipeline/readers/read-trades.js';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import type { TradeTick } from '../../schemas/tick.js';
import { topicNames } from '../../schemas/topics.js';
import { runBacktest } from './backtest.js';

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
const files = ['trades.csv', 'equity.csv', 'metrics.json', 'report.html'];
const dir = await mkdtemp(join(tmpdir(), 'nexural-backtest-range-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const env = { KAFKA_BROKERS: undefined, KAFKA_CLIENT_ID: 'nexural', NEXURAL_DATA_DIR: join(dir, 'data') };
const raw = (tick: TradeTick) =>
  JSON.stringify({
    venue: tick.venue,
    symbol: tick.symbol,
    tradeId: tick.tradeId,
    timeUs: tick.timeUs,
    price: tick.price,
    size: tick.size,
    side: tick.aggressor,
  });

const ticks: TradeTick[] = [];
for await (const { tick } of readTradeFileLines(XRPETH_TRADES, {
  format: 'binance-aggtrades',
  venue: 'binance',
  symbol: 'XRPETH',
}))
  ticks.push(tick);

/**
 * The raw trades topic as `npm start` / `nexural ingest` leave it in NEXURAL_DATA_DIR: the real XRPETH
 * aggTrades keyed binance:XRPETH, plus another symbol's trades and one record that is no trade.
 */
async function recordRawTopic(): Promise<void> {
  const log = createEmbeddedLog({ dataDir: join(env.NEXURAL_DATA_DIR, 'log') });
  const topic = topicNames().trades;
  await log.admin.createTopics([{ name: topic, partitions: 2, compacted: false }]);
  const producer = await log.createProducer();
  const other = ticks.slice(0, 500).map((tick) => ({ ...tick, symbol: 'ETHBTC', price: tick.price * 30 }));
  await producer.send([
    ...ticks.slice(0, 6000).map((tick) => ({ topic, key: 'binance:XRPETH', value: Buffer.from(raw(tick)) })),
    ...other.map((tick) => ({ topic, key: 'binance:ETHBTC', value: Buffer.from(raw(tick)) })),
    { topic, key: 'binance:XRPETH', value: Buffer.from('{"not":"a trade"}') },
    ...ticks.slice(6000).map((tick) => ({ topic, key: 'binance:XRPETH', value: Buffer.from(raw(tick)) })),
  ]);
  await producer.close();
  await log.close();
}

describe('nexural backtest on the raw trades topic (--from/--to)', () => {
  it('gives the --trades FILE run byte for byte, twice, with a progress bar; a time range keeps its trades only', async () => {
    await recordRawTopic();
    await writeFile(join(dir, 'strategy.json'), JSON.stringify(strategy));
    const file = await runBacktest({
      strategy: join(dir, 'strategy.json'),
      trades: XRPETH_TRADES,
      format: 'binance-aggtrades',
      out: join(dir, 'file'),
      progress: false,
    });
    const bar = new PassThrough();
    let drawn = '';
    bar.on('data', (chunk: Buffer) => {
      drawn += chunk.toString('utf8');
    });
    const ranges: { scanned: number; invalid: number; ticks: number }[] = [];
    const fromTopic = (out: string, progress: boolean | PassThrough, from?: string, to?: string) =>
      runBacktest(
        {
          strategy: join(dir, 'strategy.json'),
          out: join(dir, out),
          progress,
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
          onRange: (read) => ranges.push(read),
        },
        env,
      );
    const first = await fromTopic('topic-a', bar);
    await fromTopic('topic-b', false);
    expect(first.ticks).toBe(12_477);
    expect(first.trades).toBe(file.trades);
    expect(ranges[0]).toEqual({ scanned: 12_477 + 500 + 1, invalid: 1, ticks: 12_477 });
    for (const name of files) {
      const expected = await readFile(join(dir, 'file', name));
      expect(await readFile(join(dir, 'topic-a', name)), name).toEqual(expected);
      expect(await readFile(join(dir, 'topic-b', name)), name).toEqual(expected);
    }
    expect(drawn).toContain('100% · 12978/12978 records read');

    const [from, to] = ['2019-10-12T00:00:00Z', '2019-10-12T12:00:00Z'];
    const window = await fromTopic('window', false, from, to);
    const inWindow = ticks.filter(
      (tick) => tick.timeUs >= Date.parse(from) * 1000 && tick.timeUs < Date.parse(to) * 1000,
    );
    expect(window.ticks).toBe(inWindow.length);
    const rows = (await readFile(join(dir, 'window', 'trades.csv'), 'utf8')).trim().split('\n').slice(1);
    expect(rows.length).toBe(window.trades);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const [entry = '', exit = ''] = row.split(',');
      // the first, partial 5m bar is skipped as live: no signal before 00:05, no fill after the range
      expect(Date.parse(entry)).toBeGreaterThan(Date.parse('2019-10-12T00:05:00Z'));
      expect(Date.parse(exit)).toBeLessThan(Date.parse(to));
    }
  }, 300_000);
});
