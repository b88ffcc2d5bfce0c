import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../cli/commands/backtest.js';
import { parseStrategy } from '../../schemas/strategy.js';
import { tradesCsv } from './run-files.js';
import { StrategyBook } from './strategy-book.js';
import { decodeFeedState, encodeFeedState, StrategyFeed } from './strategy-feed.js';
import { interleave, XRPETH_TRADES, xrpethTopics } from './testing/xrpeth.js';

const dir = await mkdtemp(join(tmpdir(), 'nexural-intrabar-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Enters when the 5m close crosses above 0.001417, exits when it crosses below 0.0014147; no fees, no slippage. */
const strategy = (evaluate: 'bar_close' | 'intrabar') => ({
  name: `cross-${evaluate}`,
  venue: 'binance',
  symbol: 'XRPETH',
  interval: '5m',
  evaluate,
  entry: { source: { kind: 'bar', field: 'close' }, operator: 'crossing_up', value: 0.001417 },
  exit: { source: { kind: 'bar', field: 'close' }, operator: 'crossing_down', value: 0.0014147 },
  size: { quote: 1000 },
});

async function firstRoundTrip(evaluate: 'bar_close' | 'intrabar'): Promise<string[]> {
  const path = join(dir, `${evaluate}.json`);
  await writeFile(path, JSON.stringify(strategy(evaluate)));
  const out = join(dir, evaluate);
  await runBacktest({
    strategy: path,
    trades: XRPETH_TRADES,
    format: 'binance-aggtrades',
    out,
    progress: false,
  });
  const [, first] = (await readFile(join(out, 'trades.csv'), 'utf8')).split('\n');
  return (first ?? '').split(',');
}

describe('intrabar evaluation', () => {
  it('signals on the forming bar at the trade that crosses, and fills at the next trade (real XRPETH trades)', async () => {
    // By hand from the file: the final 5m bar 00:10 closed at 0.00141428 (≤ 0.001417). In the forming 00:15 bar
    // the first trade above 0.001417 is 0.00141721 at 00:15:57.488 (the signal trade); the next trade,
    // 0.00141728 at 00:15:57.804, fills the entry. The 00:20 bar closed at 0.00141536 (≥ 0.0014147); in the
    // forming 00:25 bar the first trade below 0.0014147 is 0.00141458 at 00:25:28.668 (signal), the next,
    // 0.00141400 at 00:25:36.180, fills the exit.
    const [entryTime, exitTime, side, size, entryPrice, exitPrice, fees, pnl, reason] =
      await firstRoundTrip('intrabar');
    expect([entryTime, exitTime, side, reason]).toEqual([
      '2019-10-11T00:15:57.804Z',
      '2019-10-11T00:25:36.180Z',
      'long',
      'signal',
    ]);
    expect(Number(entryPrice)).toBe(0.00141728);
    expect(Number(exitPrice)).toBe(0.001414);
    expect(Number(size)).toBeCloseTo(1000 / 0.00141728, 6);
    expect(Number(fees)).toBe(0);
    expect(Number(pnl)).toBeCloseTo((0.001414 - 0.00141728) * (1000 / 0.00141728), 9);
  });

  it('is off by default: on final bars only, the 00:15 bar (closed at 0.00141478) does not cross', async () => {
    const [entryTime] = await firstRoundTrip('bar_close');
    expect(entryTime).not.toBe('2019-10-11T00:15:57.804Z');
    expect(Date.parse(entryTime ?? '')).toBeGreaterThan(Date.parse('2019-10-11T00:20:00Z'));
  });

  it("live (the feed over interleaved topics, restarted from JSON state) makes the backtest's round trips", async () => {
    await firstRoundTrip('intrabar');
    const expected = await readFile(join(dir, 'intrabar', 'trades.csv'), 'utf8');
    const parsed = parseStrategy(strategy('intrabar'));
    let feed = new StrategyFeed(new StrategyBook(parsed), 300_000, []);
    const trades = [];
    for (const [index, record] of interleave(await xrpethTopics([]), 11).entries()) {
      if (record.topic === 'trades') feed.addTrade(record.value);
      else if (record.topic === 'bars') feed.addBar(record.value);
      if (index % 2_999 === 0) {
        trades.push(...feed.book.trades);
        feed = StrategyFeed.restore(parsed, 300_000, [], decodeFeedState(encodeFeedState(feed.state())));
      }
    }
    feed.finish();
    trades.push(...feed.book.trades);
    expect(trades.length).toBeGreaterThan(5);
    expect(tradesCsv(trades)).toBe(expected);
  });
});
