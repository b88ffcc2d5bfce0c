import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStrategy, runBacktest } from '../../cli/commands/backtest.js';
import { MarketEngine } from '../../pipeline/engine/market-engine.js';
import { readTradeFileLines } from '../../pipeline/readers/read-trades.js';
import { tradesCsv } from './run-files.js';
import { StrategyBook, type TradeEvent } from './strategy-book.js';
import {
  decodeFeedState,
  encodeFeedState,
  type FeedBar,
  type FeedIndicator,
  StrategyFeed,
} from './strategy-feed.js';

const tradesFile = new URL(
  '../../../shared/data/binance_spot_XRPETH_aggTrades_2019-10-11_2019-10-13.csv',
  import.meta.url,
).pathname;
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
  stopLoss: { atr: 2 },
  size: { percentEquity: 50 },
  feeBps: 10,
  slippageBps: 2,
};
const dir = await mkdtemp(join(tmpdir(), 'nexural-live-backtest-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
await writeFile(join(dir, 'strategy.json'), JSON.stringify(strategyJson));
const { strategy, indicators } = await readStrategy(join(dir, 'strategy.json'));

type Record =
  | { topic: 'trades'; value: TradeEvent }
  | { topic: 'bars'; value: FeedBar }
  | { topic: 'indicators'; value: FeedIndicator };

/** The three topics the live pipeline writes for this file (same engine settings as the backtest). */
async function topics(): Promise<Record[][]> {
  const bars: Record[] = [];
  const values: Record[] = [];
  const trades: Record[] = [];
  const engine = new MarketEngine(
    { bars: { intervals: ['5m'], firstBar: 'skip' }, indicators, liveBarThrottleMs: -1 },
    {
      bar: (bar) => {
        if (bar.final) bars.push({ topic: 'bars', value: { ...bar } }); // the engine reuses its objects
      },
      indicator: (value) => {
        if (value.final)
          values.push({ topic: 'indicators', value: { ...value, outputs: { ...value.outputs } } });
      },
      alert() {},
      late() {},
    },
  );
  let advancedTo = Number.NEGATIVE_INFINITY;
  for await (const { tick } of readTradeFileLines(tradesFile, {
    format: 'binance-aggtrades',
    venue: 'binance',
    symbol: 'XRPETH',
  })) {
    engine.add(tick);
    const ms = Math.floor(tick.timeUs / 1000);
    if (ms - (ms % 1000) > advancedTo) {
      advancedTo = ms - (ms % 1000);
      engine.advanceWatermark(advancedTo);
    }
    trades.push({ topic: 'trades', value: { symbol: tick.symbol, timeUs: tick.timeUs, price: tick.price } });
  }
  engine.flush();
  return [trades, bars, values];
}

/** Per-topic order kept, topics interleaved in chunks chosen by a seeded generator (as a consumer reads them). */
function interleave(queues: Record[][], seed: number): Record[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const heads = queues.map(() => 0);
  const out: Record[] = [];
  while (heads.some((head, i) => head < (queues[i]?.length ?? 0))) {
    const i = Math.floor(next() * queues.length);
    const queue = queues[i] ?? [];
    const take = 1 + Math.floor(next() * 300);
    out.push(...queue.slice(heads[i], (heads[i] ?? 0) + take));
    heads[i] = Math.min(queue.length, (heads[i] ?? 0) + take);
  }
  return out;
}

const feedOne = (feed: StrategyFeed, record: Record) =>
  record.topic === 'trades'
    ? feed.addTrade(record.value)
    : record.topic === 'bars'
      ? feed.addBar(record.value)
      : feed.addIndicator(record.value);

const newFeed = () => new StrategyFeed(new StrategyBook(strategy), 300_000, indicators);

describe('the live feed and nexural backtest', () => {
  it('make the same round trips from the same real trades, whatever the order the topics are read in', async () => {
    const backtest = await runBacktest({
      strategy: join(dir, 'strategy.json'),
      trades: tradesFile,
      format: 'binance-aggtrades',
      out: join(dir, 'out'),
      progress: false,
    });
    const expected = await readFile(join(dir, 'out', 'trades.csv'), 'utf8');
    expect(backtest.trades).toBeGreaterThan(10);
    const queues = await topics();
    for (const seed of [1, 7, 42]) {
      const feed = newFeed();
      for (const record of interleave(queues, seed)) feedOne(feed, record);
      // only the last bar waits for a later trade, and the trades of its window for it
      expect(feed.held().bars).toBe(1);
      expect(feed.held().trades).toBeLessThan(100);
      feed.finish();
      expect(tradesCsv(feed.book.trades)).toBe(expected);
      expect(feed.book.fills).toHaveLength(backtest.trades * 2);
    }
  });

  it('goes on from its JSON state after a restart with the same fills, numbered the same', async () => {
    const records = interleave(await topics(), 3);
    const clean = newFeed();
    for (const record of records) feedOne(clean, record);
    clean.finish();

    let feed = newFeed();
    const fills = [];
    for (const [index, record] of records.entries()) {
      feedOne(feed, record);
      if (index % 3_001 === 0) {
        fills.push(...feed.book.fills);
        feed = StrategyFeed.restore(
          strategy,
          300_000,
          indicators,
          decodeFeedState(encodeFeedState(feed.state())),
        );
      }
    }
    feed.finish();
    fills.push(...feed.book.fills);
    expect(fills).toEqual(clean.book.fills);
    expect(fills.map((fill) => fill.seq)).toEqual(fills.map((_, i) => i + 1));
  });
});
