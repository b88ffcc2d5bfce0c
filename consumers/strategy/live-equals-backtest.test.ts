import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStrategy, runBacktest } from '../../cli/commands/backtest.js';
import { tradesCsv } from './run-files.js';
import { StrategyBook } from './strategy-book.js';
import { decodeFeedState, encodeFeedState, StrategyFeed } from './strategy-feed.js';
import {
  closeEmaStrategy,
  interleave,
  type TopicRecord,
  XRPETH_TRADES,
  xrpethTopics,
} from './testing/xrpeth.js';

const dir = await mkdtemp(join(tmpdir(), 'nexural-live-backtest-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
await writeFile(join(dir, 'strategy.json'), JSON.stringify(closeEmaStrategy));
const { strategy, indicators } = await readStrategy(join(dir, 'strategy.json'));

const feedOne = (feed: StrategyFeed, record: TopicRecord) =>
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
      trades: XRPETH_TRADES,
      format: 'binance-aggtrades',
      out: join(dir, 'out'),
      progress: false,
    });
    const expected = await readFile(join(dir, 'out', 'trades.csv'), 'utf8');
    expect(backtest.trades).toBeGreaterThan(10);
    const queues = await xrpethTopics(indicators);
    for (const seed of [1, 7, 42]) {
      const feed = newFeed();
      for (const record of interleave(queues, seed)) feedOne(feed, record);
      // only the last bar waits for a later trade
      expect(feed.held()).toEqual({ trades: 0, bars: 1 });
      feed.finish();
      expect(tradesCsv(feed.book.trades)).toBe(expected);
      expect(feed.book.fills).toHaveLength(backtest.trades * 2);
    }
  });

  it('goes on from its JSON state after a restart with the same fills, numbered the same', async () => {
    const records = interleave(await xrpethTopics(indicators), 3);
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
