import { describe, expect, it } from 'vitest';
import { parseStrategy } from '../../schemas/strategy.js';
import { readRecordedStream } from '../testing/recorded-stream.js';
import { StrategyBook } from './strategy-book.js';
import { decodeFeedState, encodeFeedState, StrategyFeed } from './strategy-feed.js';
import { interleave } from './testing/xrpeth.js';

/**
 * One strategy on two symbols shares its equity, realised PnL and open positions: with sizes in % of equity, an
 * exit on one symbol changes the size of the other's next entry, and every equity point marks both. The book's
 * input must still not depend on the order the two symbols' records (or the three topics) are read in.
 */
const strategy = parseStrategy({
  name: 'rsi-both',
  venue: 'binance',
  symbols: ['BTCUSDT', 'ETHUSDT'],
  interval: '1s',
  entry: {
    source: { kind: 'indicator', spec: 'rsi(14)', output: 'value' },
    operator: 'crossing_up',
    value: 55,
  },
  exit: {
    source: { kind: 'indicator', spec: 'rsi(14)', output: 'value' },
    operator: 'crossing_down',
    value: 45,
  },
  stopLoss: { percent: 0.05 },
  maxOpenPositions: 2,
  size: { percentEquity: 50 },
  feeBps: 5,
  slippageBps: 1,
});
const required = ['rsi(14)'];

type Item =
  | { kind: 'trade'; symbol: string; timeUs: number; price: number }
  | { kind: 'bar'; value: Parameters<StrategyFeed['addBar']>[0] }
  | { kind: 'indicator'; value: Parameters<StrategyFeed['addIndicator']>[0] };

// the first 3 minutes of the recorded BTCUSDT + ETHUSDT stream, one queue per symbol and topic, each in order
const recorded = readRecordedStream();
const start = Math.min(...recorded.map((record) => record.timestamp));
const queues = new Map<string, Item[]>();
for (const record of recorded) {
  if (record.timestamp >= start + 180_000) continue;
  const value = JSON.parse(record.value);
  if (record.input !== 'trades' && (value.interval !== '1s' || value.final === false)) continue;
  const item: Item | null =
    record.input === 'trades'
      ? { kind: 'trade', symbol: value.symbol, timeUs: value.time * 1000, price: Number(value.price) }
      : record.input === 'barsFinal'
        ? { kind: 'bar', value }
        : record.input === 'indicators'
          ? { kind: 'indicator', value }
          : null;
  if (!item) continue;
  const queue = `${value.symbol} ${record.input}`;
  queues.set(queue, [...(queues.get(queue) ?? []), item]);
}
for (const [name, queue] of queues)
  if (name.endsWith('trades'))
    queue.sort((a, b) => (a.kind === 'trade' && b.kind === 'trade' ? a.timeUs - b.timeUs : 0));

const feedOne = (feed: StrategyFeed, item: Item) =>
  item.kind === 'trade'
    ? feed.addTrade(item)
    : item.kind === 'bar'
      ? feed.addBar(item.value)
      : feed.addIndicator(item.value);

function run(items: readonly Item[], restartEvery = 0) {
  let feed = new StrategyFeed(new StrategyBook(strategy), 1000, required);
  const fills = [];
  for (const [index, item] of items.entries()) {
    feedOne(feed, item);
    if (restartEvery > 0 && index % restartEvery === 0) {
      fills.push(...feed.book.fills);
      const state = decodeFeedState(encodeFeedState(feed.state()));
      feed = StrategyFeed.restore(strategy, 1000, required, state);
    }
  }
  const live = { fills: [...fills, ...feed.book.fills], held: feed.held() };
  feed.finish();
  return { ...live, book: feed.book };
}

const bySymbol = (symbol: string) =>
  [...queues].filter(([name]) => name.startsWith(symbol)).map(([, q]) => q);

describe('a strategy on two symbols', () => {
  it('makes the same fills, signals and equity whatever the order its symbols and topics are read in', () => {
    const reference = run(interleave([...queues.values()], 1));
    const symbols = new Set(reference.book.fills.map((fill) => fill.symbol));
    expect(symbols, 'fills on both symbols, or the test shows nothing').toEqual(
      new Set(['BTCUSDT', 'ETHUSDT']),
    );
    expect(reference.book.fills.length).toBeGreaterThan(4);
    const orders = [
      ...[7, 42, 1234].map((seed) => interleave([...queues.values()], seed)),
      // one symbol's records all before the other's, both ways round
      [...interleave(bySymbol('BTCUSDT'), 5), ...interleave(bySymbol('ETHUSDT'), 5)],
      [...interleave(bySymbol('ETHUSDT'), 9), ...interleave(bySymbol('BTCUSDT'), 9)],
    ];
    for (const [index, items] of orders.entries()) {
      const { book } = run(items);
      expect(book.fills, `order ${index}`).toEqual(reference.book.fills);
      expect(book.signals, `order ${index}`).toEqual(reference.book.signals);
      expect(book.equity, `order ${index}`).toEqual(reference.book.equity);
    }
  });

  it('goes on from its JSON state with the same fills, numbered the same', () => {
    const items = interleave([...queues.values()], 3);
    const clean = run(items);
    const restarted = run(items, 1_001);
    expect(restarted.fills).toEqual(clean.fills);
    expect(restarted.fills.map((fill) => fill.seq)).toEqual(restarted.fills.map((_, i) => i + 1));
  });
});

describe('a strategy on two symbols, live, one of them silent', () => {
  it('holds the other back until the silent one has sent nothing for idleAfterMs of wall clock, then goes on', () => {
    let now = 1_000_000;
    const feed = new StrategyFeed(new StrategyBook(strategy), 1000, required, {
      idleAfterMs: 60_000,
      clock: { now: () => now },
    });
    // BTCUSDT's records up to its 30th final bar; ETHUSDT never sends anything
    const btc = interleave(bySymbol('BTCUSDT'), 5);
    let bars = 0;
    const cut = btc.findIndex((item) => item.kind === 'bar' && ++bars === 30);
    for (const item of btc.slice(0, cut + 1)) feedOne(feed, item);
    /** BTCUSDT's records in order, waiting only for the other symbol */
    const merged = () => feed.state().symbols.find(([symbol]) => symbol === 'BTCUSDT')?.[1].out.length;
    const waiting = merged() ?? 0;
    expect(waiting).toBeGreaterThan(100);
    expect(feed.book.equity).toEqual([]);

    now += 59_999;
    feedOne(feed, btc[cut + 1] as Item);
    expect(merged()).toBeGreaterThanOrEqual(waiting);
    expect(feed.book.equity).toEqual([]);

    now += 1;
    feedOne(feed, btc[cut + 2] as Item);
    expect(merged()).toBe(0);
    expect(feed.book.equity.length).toBeGreaterThan(0);
  });
});
