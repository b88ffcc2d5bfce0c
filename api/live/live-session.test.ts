import { describe, expect, it, vi } from 'vitest';
import { createInProcessFanout } from '../../pipeline/fanout/in-process-fanout.js';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { Bar } from '../../schemas/bar.js';
import type { LiveMarketFeed, LiveMarketUpdate } from '../../schemas/ports/live-market.js';
import type { SeriesKey, StoreReader } from '../../schemas/ports/store.js';
import { LiveSession, type LiveSocket, SLOW_CONSUMER_CLOSE } from './live-session.js';

// Binance's official BTCUSDT 1m klines 2024-08-08 23:40 → 00:09 (../shared/data/README.md).
const klines = binanceKlines();
const kline = (index: number): Bar => {
  const bar = klines[index];
  if (!bar) throw new Error(`no kline ${index}`);
  return bar;
};
const series: SeriesKey = { venue: 'binance-um', symbol: 'BTCUSDT', interval: '1m' };

class FakeSocket implements LiveSocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Record<string, unknown>[] = [];
  closedWith: { code: number; reason: string } | null = null;
  terminated = false;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code: number, reason: string) {
    this.closedWith = { code, reason };
    this.readyState = 2;
  }
  terminate() {
    this.terminated = true;
  }
}

class FakeFeed implements LiveMarketFeed {
  readonly listeners = new Set<(update: LiveMarketUpdate) => void>();
  subscribe(_series: SeriesKey, listener: (update: LiveMarketUpdate) => void) {
    this.listeners.add(listener);
    return { close: () => this.listeners.delete(listener) };
  }
  emit(bar: Bar) {
    for (const listener of this.listeners) listener({ kind: 'bar', bar });
  }
  latestBar = () => null;
  ready = () => true;
  close = async () => undefined;
}

// Sessions without sinceOpenTime never read the store.
const noStore = {} as StoreReader;
const subscribeBars = JSON.stringify({ op: 'subscribe', id: 'b', channel: 'bars', ...series });

describe('LiveSession', () => {
  it('forwards bars of a subscribed series and stops after unsubscribe', async () => {
    const socket = new FakeSocket();
    const feed = new FakeFeed();
    const session = new LiveSession({
      socket,
      owner: 'alice',
      live: feed,
      fanout: createInProcessFanout(),
      store: noStore,
      maxBufferedBytes: 1_000_000,
      maxSubscriptions: 4,
    });
    session.receive(subscribeBars);
    feed.emit(kline(0));
    session.receive(JSON.stringify({ op: 'unsubscribe', id: 'b' }));
    await new Promise((resolve) => setImmediate(resolve));
    feed.emit(kline(1));
    expect(socket.sent).toEqual([
      { type: 'subscribed', id: 'b', channel: 'bars' },
      { type: 'bar', id: 'b', bar: klines[0] },
      { type: 'unsubscribed', id: 'b' },
    ]);
  });

  it('drops a client whose unsent bytes pass the limit with 1013 NXR_SLOW_CONSUMER, and never blocks the feed', () => {
    const socket = new FakeSocket();
    const feed = new FakeFeed();
    const dropped: string[] = [];
    const session = new LiveSession({
      socket,
      owner: 'alice',
      live: feed,
      fanout: createInProcessFanout(),
      store: noStore,
      maxBufferedBytes: 4_096,
      maxSubscriptions: 4,
      onDrop: (reason) => dropped.push(reason),
    });
    session.receive(subscribeBars);
    socket.bufferedAmount = 5_000; // the client stopped reading
    for (const bar of klines) feed.emit(bar);
    expect(socket.sent).toHaveLength(1);
    expect(socket.closedWith).toEqual({
      code: SLOW_CONSUMER_CLOSE,
      reason: 'NXR_SLOW_CONSUMER: 5000 bytes unsent (limit 4096)',
    });
    expect(dropped).toHaveLength(1);
    expect(feed.listeners.size).toBe(0);
  });

  it('answers bad messages with an error naming the field, keeping the connection', () => {
    const socket = new FakeSocket();
    const session = new LiveSession({
      socket,
      owner: 'alice',
      live: null,
      fanout: createInProcessFanout(),
      store: noStore,
      maxBufferedBytes: 1_000,
      maxSubscriptions: 1,
    });
    session.receive('{not json');
    session.receive(
      JSON.stringify({
        op: 'subscribe',
        id: 'x',
        channel: 'bars',
        venue: 'binance',
        symbol: 'BTC USDT',
        interval: '1m',
      }),
    );
    session.receive(subscribeBars);
    expect(socket.sent.map((message) => (message.error as { code: string }).code)).toEqual([
      'NXR_PARSE_FAILED',
      'NXR_SCHEMA_INVALID',
      'NXR_SERVICE_UNAVAILABLE',
    ]);
    expect(socket.sent[1]).toMatchObject({ error: { details: { path: ['symbol'] } } });
    expect(socket.closedWith).toBeNull();
  });

  it("delivers only the owner's alerts of the asked symbol, and resumes after the last delivery id", async () => {
    const fanout = createInProcessFanout();
    const event = (owner: string, symbol: string, index: number): AlertEvent => ({
      kind: 'stopped',
      id: `${owner}:${symbol}:${index}`,
      ruleId: 'r',
      owner,
      venue: 'binance-um',
      symbol,
      interval: '1m',
      time: klines[index]?.openTime ?? 0,
      reason: 'expired',
      message: 'expired',
    });
    const socket = new FakeSocket();
    const session = new LiveSession({
      socket,
      owner: 'alice',
      live: null,
      fanout,
      store: noStore,
      maxBufferedBytes: 1_000_000,
      maxSubscriptions: 4,
    });
    session.receive(
      JSON.stringify({ op: 'subscribe', id: 'a', channel: 'alerts', venue: 'binance-um', symbol: 'BTCUSDT' }),
    );
    await expect.poll(() => socket.sent.length).toBe(1);
    await fanout.publish(event('alice', 'BTCUSDT', 0));
    await fanout.publish(event('bob', 'BTCUSDT', 1));
    await fanout.publish(event('alice', 'ETHUSDT', 2));
    const first = (await fanout.history({ kind: 'owner', owner: 'alice' }, null, 1))[0];
    session.close(); // the connection dropped; two more alerts happen while away
    await fanout.publish(event('alice', 'BTCUSDT', 3));
    await fanout.publish(event('alice', 'BTCUSDT', 4));
    const resumed = new FakeSocket();
    const again = new LiveSession({
      socket: resumed,
      owner: 'alice',
      live: null,
      fanout,
      store: noStore,
      maxBufferedBytes: 1_000_000,
      maxSubscriptions: 4,
    });
    again.receive(
      JSON.stringify({
        op: 'subscribe',
        id: 'a',
        channel: 'alerts',
        symbol: 'BTCUSDT',
        venue: 'binance-um',
        resumeAfter: first?.id,
      }),
    );
    await expect.poll(() => resumed.sent.length).toBe(3);
    expect(socket.sent.slice(1).map((message) => (message.event as AlertEvent).id)).toEqual([
      'alice:BTCUSDT:0',
    ]);
    expect(
      resumed.sent
        .filter((message) => message.type === 'alert')
        .map((message) => (message.event as AlertEvent).id),
    ).toEqual(['alice:BTCUSDT:3', 'alice:BTCUSDT:4']);
  });
});

describe('LiveSession on a delayed plan', () => {
  it('sends only final bars, each the plan delay after its bar closed', async () => {
    vi.useFakeTimers();
    try {
      const first = kline(0);
      const last = kline(29);
      // the clock stands 30 s after the last kline closed; the plan delays by 60 s
      vi.setSystemTime(last.closeTime + 1 + 30_000);
      const socket = new FakeSocket();
      const feed = new FakeFeed();
      const session = new LiveSession({
        socket,
        owner: 'alice',
        live: feed,
        fanout: createInProcessFanout(),
        store: noStore,
        maxBufferedBytes: 1 << 20,
        maxSubscriptions: 4,
        delayMs: 60_000,
      });
      session.receive(subscribeBars);
      feed.emit({ ...last, final: false });
      feed.emit(last);
      feed.emit(first);
      const bars = () =>
        socket.sent
          .filter((message) => message.type === 'bar')
          .map((message) => (message.bar as Bar).openTime);
      expect(bars()).toEqual([first.openTime]);
      await vi.advanceTimersByTimeAsync(29_999);
      expect(bars()).toEqual([first.openTime]);
      await vi.advanceTimersByTimeAsync(1);
      expect(bars()).toEqual([first.openTime, last.openTime]);
      session.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
