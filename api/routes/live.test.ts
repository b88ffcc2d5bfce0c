import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import {
  type ApiHarness,
  barSerde,
  bearer,
  openApiHarness,
  pgliteTestDatabase,
  topics,
} from '../testing/api-harness.js';

// Binance's official BTCUSDT 1m klines 2024-08-08 23:40 → 00:09 (../shared/data/README.md).
const klines = binanceKlines();

function messagesOf(socket: WebSocket): Record<string, unknown>[] {
  const received: Record<string, unknown>[] = [];
  socket.on('message', (data) => received.push(JSON.parse(data.toString())));
  return received;
}

describe('GET /v1/live (WebSocket)', () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await openApiHarness(pgliteTestDatabase);
    await harness.store.write({ bars: klines.slice(0, 28) });
    await harness.app.ready();
  }, 60_000);
  afterAll(async () => {
    await harness.close();
  }, 60_000);

  it('refuses an upgrade without a valid token', async () => {
    await expect(harness.app.injectWS('/v1/live?token=nope')).rejects.toThrow(/401/);
  });

  it('resumes bars from an open time: stored bars first, then the live ones, in order', async () => {
    const session = (
      await harness.app.inject({ method: 'POST', url: '/v1/session', headers: bearer(harness.keys.alice) })
    ).json();
    const socket = await harness.app.injectWS(`/v1/live?token=${session.token}`);
    const received = messagesOf(socket);
    const since = klines[25]?.openTime;
    socket.send(
      JSON.stringify({
        op: 'subscribe',
        id: 'btc',
        channel: 'bars',
        venue: 'binance-um',
        symbol: 'BTCUSDT',
        interval: '1m',
        sinceOpenTime: since,
      }),
    );
    await expect.poll(() => received.length).toBe(4);
    const producer = await harness.log.createProducer();
    await producer.send(
      await Promise.all(
        klines.slice(28).map(async (bar) => ({
          topic: topics.bars,
          key: 'binance-um:BTCUSDT',
          value: await barSerde.serialize(bar),
        })),
      ),
    );
    await producer.close();
    await expect.poll(() => received.length).toBe(6);
    expect(received[0]).toEqual({ type: 'subscribed', id: 'btc', channel: 'bars' });
    expect(
      received
        .slice(1)
        .map((message) => [(message.bar as { openTime: number }).openTime, message.replay ?? false]),
    ).toEqual([
      ...klines.slice(25, 28).map((bar) => [bar.openTime, true]),
      ...klines.slice(28).map((bar) => [bar.openTime, false]),
    ]);
    socket.terminate();
  });

  it('takes sinceOpenTime as ISO 8601 too', async () => {
    const session = (
      await harness.app.inject({ method: 'POST', url: '/v1/session', headers: bearer(harness.keys.alice) })
    ).json();
    const socket = await harness.app.injectWS(`/v1/live?token=${session.token}`);
    const received = messagesOf(socket);
    socket.send(
      JSON.stringify({
        op: 'subscribe',
        id: 'btc-iso',
        channel: 'bars',
        venue: 'binance-um',
        symbol: 'BTCUSDT',
        interval: '1m',
        sinceOpenTime: new Date(klines[26]?.openTime ?? 0).toISOString(),
      }),
    );
    await expect.poll(() => received.length).toBeGreaterThanOrEqual(3);
    expect(received[0]).toEqual({ type: 'subscribed', id: 'btc-iso', channel: 'bars' });
    expect(received.slice(1, 3).map((message) => (message.bar as { openTime: number }).openTime)).toEqual(
      klines.slice(26, 28).map((bar) => bar.openTime),
    );
    socket.terminate();
  });
});
