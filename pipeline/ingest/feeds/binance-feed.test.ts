import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { DeadLetter } from '../../../schemas/dead-letter.js';
import type { TradeTick } from '../../../schemas/tick.js';
import { BarAggregator } from '../../bars/bar-aggregator.js';
import { recordingSink } from '../../bars/recording-sink.js';
import { RawPublisher } from '../raw-publisher.js';
import { createBinanceAdapter } from './binance.js';
import { ExchangeFeed, type FeedEvent } from './exchange-feed.js';
import { FeedMetrics } from './feed-metrics.js';
import {
  binanceFixtureFrames,
  type ConnectionScript,
  capturingProducer,
  sendAll,
  startLocalExchange,
  ticksOf,
  waitFor,
} from './testing/local-exchange-test-kit.js';

// 500 real Binance BTCUSDT @trade messages, 23:54:55.547 → 23:55:05.832 UTC (fixtures/README.md)
const frames = binanceFixtureFrames();
const payloads = frames.map(
  (frame) => (JSON.parse(frame) as { data: { t: number; p: string; q: string; T: number; m: boolean } }).data,
);
/** The REST view of the same trades, as GET /api/v3/historicalTrades returns them. */
const restTrades = payloads.map((data) => ({
  id: data.t,
  price: data.p,
  qty: data.q,
  quoteQty: String(Number(data.p) * Number(data.q)),
  time: data.T,
  isBuyerMaker: data.m,
  isBestMatch: true,
}));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function runFeed(script: ConnectionScript, staleAfterMs = 5000) {
  const exchange = await startLocalExchange(script, (url) => {
    const fromId = Number(url.searchParams.get('fromId'));
    const limit = Number(url.searchParams.get('limit'));
    return { status: 200, body: restTrades.filter((trade) => trade.id >= fromId).slice(0, limit) };
  });
  cleanups.push(exchange.close);
  const producer = capturingProducer();
  const registry = new Registry();
  const events: FeedEvent[] = [];
  const deadLetters: DeadLetter[] = [];
  const feed = new ExchangeFeed({
    adapter: createBinanceAdapter({
      symbols: ['BTCUSDT'],
      venue: 'binance-um',
      wsBaseUrl: exchange.wsUrl,
      restBaseUrl: exchange.httpUrl,
      pageSize: 25,
    }),
    publisher: new RawPublisher(producer, { trades: 'raw.trades', quotes: 'raw.quotes' }),
    config: { backoff: { baseMs: 20, maxMs: 100 }, staleAfterMs },
    metrics: FeedMetrics.for(registry),
    onEvent: (event) => events.push(event),
    onDeadLetter: (letter) => deadLetters.push(letter),
  });
  cleanups.push(() => feed.close());
  feed.start();
  await waitFor(() => producer.records.length >= frames.length, 20_000, 'every trade to be published');
  await feed.close();
  return { feed, producer, exchange, registry, events, deadLetters, ticks: ticksOf(producer.records) };
}

function bars(ticks: readonly TradeTick[]) {
  const recording = recordingSink();
  const aggregator = new BarAggregator({ intervals: ['1s', '1m'] }, recording.sink);
  for (const tick of ticks) aggregator.add(tick);
  aggregator.flush();
  return recording.bars;
}

const metric = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values.map((value) => value.value) ?? [];

describe('Binance feed against a local exchange replaying recorded messages', () => {
  const uninterrupted = () =>
    runFeed(async (socket) => {
      await sendAll(socket, frames);
    });

  it('publishes every recorded trade in order to the raw topic, keyed venue:symbol', async () => {
    const { ticks, producer, exchange } = await uninterrupted();
    expect(ticks).toHaveLength(500);
    expect(ticks[0]).toEqual({
      kind: 'trade',
      venue: 'binance-um',
      symbol: 'BTCUSDT',
      tradeId: '5266585436',
      timeUs: 1_723_161_295_547_000,
      price: 61812.6,
      size: 0.016,
      aggressor: 'sell',
    });
    expect(ticks.map((tick) => Number(tick.tradeId))).toEqual(payloads.map((data) => data.t));
    expect(new Set(producer.records.map((record) => `${record.topic} ${record.key}`))).toEqual(
      new Set(['raw.trades binance-um:BTCUSDT']),
    );
    expect(exchange.connections).toEqual(['/stream?streams=btcusdt@trade']);
    expect(exchange.restCalls).toEqual([]);
  });

  it('after the exchange drops the connection mid-stream and skips trades, reconnects, backfills the gap through REST and publishes exactly the uninterrupted stream and bars', async () => {
    const reference = await uninterrupted();
    const dropped = await runFeed(async (socket: WebSocket, connection: number) => {
      if (connection === 1) {
        await sendAll(socket, frames.slice(0, 200));
        socket.terminate();
      } else {
        // the trades sent while we were away (200–259) never arrive on the new connection
        await sendAll(socket, frames.slice(260));
      }
    });
    expect(dropped.ticks).toEqual(reference.ticks);
    expect(new Set(dropped.ticks.map((tick) => tick.tradeId)).size).toBe(500);
    expect(bars(dropped.ticks)).toEqual(bars(reference.ticks));
    expect(dropped.exchange.connections).toHaveLength(2);
    expect(dropped.events).toContainEqual({
      kind: 'gap',
      symbol: 'BTCUSDT',
      fromId: '5266585636',
      toId: '5266585695',
    });
    expect(dropped.events).toContainEqual({ kind: 'backfilled', symbol: 'BTCUSDT', trades: 60 });
    expect(dropped.exchange.restCalls).toEqual([
      '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=5266585636&limit=25',
      '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=5266585661&limit=25',
      '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=5266585686&limit=10',
    ]);
    expect(dropped.feed.stats).toMatchObject({
      trades: 500,
      gaps: 1,
      backfilled: 60,
      reconnects: 1,
      unfilled: 0,
    });
    expect(await metric(dropped.registry, 'nexural_feed_reconnects_total')).toEqual([1]);
    expect(await metric(dropped.registry, 'nexural_feed_gaps_detected_total')).toEqual([1]);
    expect(await metric(dropped.registry, 'nexural_feed_trades_backfilled_total')).toEqual([60]);
    expect(await metric(dropped.registry, 'nexural_feed_connected')).toEqual([0]);
  });

  it('replaces a connection that goes silent after the stale timeout and backfills what it missed', async () => {
    const silent = await runFeed(async (socket, connection) => {
      // the first connection stalls without closing (a half-open TCP path); it is never closed by the server
      if (connection === 1) await sendAll(socket, frames.slice(0, 100));
      else await sendAll(socket, frames.slice(150));
    }, 150);
    expect(silent.events.some((event) => event.kind === 'stale')).toBe(true);
    expect(silent.ticks.map((tick) => Number(tick.tradeId))).toEqual(payloads.map((data) => data.t));
    expect(silent.feed.stats).toMatchObject({ reconnects: 1, gaps: 1, backfilled: 50 });
  });

  it('counts and dead-letters malformed frames without stopping the feed', async () => {
    const bad = [
      'not json',
      (frames[10] ?? '').replace('"q":"', '"q":"x'),
      (frames[11] ?? '').replace(/"T":\d+/, '"T":1723'),
    ];
    const noisy = await runFeed(async (socket) => {
      await sendAll(socket, [...frames.slice(0, 10), ...bad, ...frames.slice(10)]);
    });
    expect(noisy.ticks).toHaveLength(500);
    expect(noisy.deadLetters.map((letter) => [letter.code, letter.path])).toEqual([
      ['NXR_PARSE_FAILED', undefined],
      ['NXR_SCHEMA_INVALID', ['q']],
      ['NXR_SCHEMA_INVALID', ['T']],
    ]);
    expect(noisy.deadLetters[1]?.payload).toBe(bad[1]);
    expect(noisy.feed.stats.dropped).toBe(3);
    expect(await metric(noisy.registry, 'nexural_feed_messages_dropped_total')).toEqual([1, 2]);
  });
});
