import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { quoteTickSchema, type TradeTick } from '../../../schemas/tick.js';
import { BarAggregator } from '../../bars/bar-aggregator.js';
import { recordingSink } from '../../bars/recording-sink.js';
import { RawPublisher } from '../raw-publisher.js';
import { createCoinbaseAdapter } from './coinbase.js';
import { ExchangeFeed, type FeedEvent } from './exchange-feed.js';
import {
  binanceFixtureFrames,
  capturingProducer,
  sendAll,
  startLocalExchange,
  ticksOf,
  waitFor,
} from './testing/local-exchange-test-kit.js';

/**
 * No Coinbase recording exists here: these frames are the real Binance trades of the fixture re-expressed in
 * the message formats of Coinbase's documentation (match/last_match, ticker, heartbeat, REST trades). The
 * maker side is the side whose order rested: Binance m = buyer is maker → maker side "buy".
 */
const trades = binanceFixtureFrames().map((frame, index) => {
  const data = (JSON.parse(frame) as { data: { t: number; p: string; q: string; T: number; m: boolean } })
    .data;
  return {
    trade_id: data.t,
    sequence: 1000 + index * 3,
    time: `${new Date(data.T).toISOString().slice(0, -1)}${String(index % 1000).padStart(3, '0')}Z`,
    price: data.p,
    size: data.q,
    side: data.m ? 'buy' : 'sell',
  };
});

const product = 'BTC-USD';
const match = (index: number, type = 'match') => {
  const trade = trades[index];
  if (trade === undefined) throw new Error(`no trade ${index}`);
  return JSON.stringify({
    type,
    ...trade,
    maker_order_id: `maker-${trade.trade_id}`,
    taker_order_id: `taker-${trade.trade_id}`,
    product_id: product,
  });
};
const ticker = (index: number) => {
  const trade = trades[index];
  if (trade === undefined) throw new Error(`no trade ${index}`);
  const price = Number(trade.price);
  return JSON.stringify({
    type: 'ticker',
    sequence: trade.sequence + 1,
    product_id: product,
    price: trade.price,
    best_bid: (price - 0.1).toFixed(2),
    best_bid_size: '1.5',
    best_ask: trade.price,
    best_ask_size: '0.25',
    side: trade.side === 'buy' ? 'sell' : 'buy',
    time: trade.time,
    trade_id: trade.trade_id,
    last_size: trade.size,
  });
};
const heartbeat = (lastIndex: number) =>
  JSON.stringify({
    type: 'heartbeat',
    sequence: (trades[lastIndex]?.sequence ?? 0) + 2,
    last_trade_id: trades[lastIndex]?.trade_id,
    product_id: product,
    time: trades[lastIndex]?.time,
  });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => from + index);
/** matches with a ticker after every 10th and a heartbeat after every 50th, as the channels interleave */
const live = (from: number, to: number) =>
  range(from, to).flatMap((index) => [
    match(index),
    ...(index % 10 === 0 ? [ticker(index)] : []),
    ...(index % 50 === 49 ? [heartbeat(index)] : []),
  ]);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const subscribed = (socket: WebSocket) =>
  new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));

describe('Coinbase feed against a local exchange speaking the documented formats', () => {
  it('after a drop, the last_match of the new subscription and the heartbeats reveal the gaps; both are backfilled through paged REST and the trades and bars equal the full stream', async () => {
    const subscriptions: string[] = [];
    const exchange = await startLocalExchange(
      async (socket, connection) => {
        subscriptions.push(await subscribed(socket));
        await sendAll(socket, ['{"type":"subscriptions","channels":[]}']);
        if (connection === 1) {
          await sendAll(socket, [match(0, 'last_match'), ...live(1, 200)]);
          socket.terminate();
          return;
        }
        // on resubscribing, Coinbase sends the last match first: trade 259, so 200–258 were missed
        await sendAll(socket, [match(259, 'last_match'), ticker(150), ...live(260, 480)]);
        // 480–499 happen but their matches are lost; only the heartbeats tell
        // (Coinbase sends one per second; here every 20 ms until the test ends)
        while (socket.readyState === socket.OPEN) {
          await sendAll(socket, [heartbeat(499)]);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      (url) => {
        const after = Number(url.searchParams.get('after'));
        const limit = Number(url.searchParams.get('limit'));
        const page = trades
          .filter((trade) => trade.trade_id < after)
          .reverse()
          .slice(0, limit)
          .map(({ sequence: _, ...rest }) => rest);
        return {
          status: 200,
          body: page,
          headers: { 'cb-before': String(page[0]?.trade_id), 'cb-after': String(page.at(-1)?.trade_id) },
        };
      },
    );
    cleanups.push(exchange.close);
    const producer = capturingProducer();
    const events: FeedEvent[] = [];
    const feed = new ExchangeFeed({
      adapter: createCoinbaseAdapter({
        symbols: [product],
        wsUrl: exchange.wsUrl,
        restBaseUrl: exchange.httpUrl,
        pageSize: 16,
      }),
      publisher: new RawPublisher(producer, { trades: 'raw.trades', quotes: 'raw.quotes' }),
      config: { backoff: { baseMs: 20, maxMs: 100 } },
      onEvent: (event) => events.push(event),
    });
    cleanups.push(() => feed.close());
    feed.start();
    const tradeRecords = () => producer.records.filter((record) => record.topic === 'raw.trades');
    await waitFor(() => tradeRecords().length >= trades.length, 20_000, 'every trade to be published');
    await feed.close();

    const ticks = ticksOf(tradeRecords());
    expect(ticks.map((tick) => Number(tick.tradeId))).toEqual(trades.map((trade) => trade.trade_id));
    expect(ticks[0]).toEqual({
      kind: 'trade',
      venue: 'coinbase',
      symbol: product,
      tradeId: '5266585436',
      timeUs: 1_723_161_295_547_000,
      price: 61812.6,
      size: 0.016,
      aggressor: 'sell',
    });
    const expected: TradeTick[] = trades.map((trade, index) => ({
      kind: 'trade',
      venue: 'coinbase',
      symbol: product,
      tradeId: String(trade.trade_id),
      timeUs: Date.parse(trade.time) * 1000 + (index % 1000),
      price: Number(trade.price),
      size: Number(trade.size),
      aggressor: trade.side === 'buy' ? 'sell' : 'buy',
    }));
    expect(ticks).toEqual(expected);
    const barsOf = (input: readonly TradeTick[]) => {
      const recording = recordingSink();
      const aggregator = new BarAggregator({ intervals: ['1s', '1m'] }, recording.sink);
      for (const tick of input) aggregator.add(tick);
      aggregator.flush();
      return recording.bars;
    };
    expect(barsOf(ticks)).toEqual(barsOf(expected));

    expect(subscriptions).toHaveLength(2);
    expect(events.filter((event) => event.kind === 'gap')).toEqual([
      { kind: 'gap', symbol: product, fromId: '5266585636', toId: '5266585694' },
      { kind: 'gap', symbol: product, fromId: '5266585916', toId: '5266585935' },
    ]);
    expect(feed.stats).toMatchObject({ trades: 500, backfilled: 79, gaps: 2, reconnects: 1, unfilled: 0 });

    // quotes: every 10th trade's ticker, once; the stale ticker(150) re-sent after the reconnect is skipped
    const quotes = producer.records
      .filter((record) => record.topic === 'raw.quotes')
      .map((record) => quoteTickSchema.parse(JSON.parse(record.value?.toString('utf8') ?? 'null')));
    const tickerIndexes = [...range(0, 200), ...range(260, 480)].filter(
      (index) => index % 10 === 0 && index > 0,
    );
    expect(quotes.map((quote) => quote.updateId)).toEqual(
      tickerIndexes.map((index) => String((trades[index]?.sequence ?? 0) + 1)),
    );
    expect(feed.stats.duplicates).toBe(1);
    expect(quotes[0]).toMatchObject({
      kind: 'quote',
      venue: 'coinbase',
      symbol: product,
      askPrice: Number(trades[10]?.price),
    });
  });
});
