import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectionStatus, FeedConnection } from './feed-connection.js';
import { startLocalExchange, waitFor } from './testing/local-exchange-test-kit.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('FeedConnection', () => {
  it('resubscribes on every connection and hands frames over in order', async () => {
    const subscriptions: string[] = [];
    const exchange = await startLocalExchange(
      (socket, connection) => {
        socket.once('message', (data) => {
          subscriptions.push(String(data));
          socket.send(`frame ${connection}.1`);
          socket.send(`frame ${connection}.2`);
          if (connection === 1) setTimeout(() => socket.terminate(), 20);
        });
      },
      () => ({ status: 404, body: null }),
    );
    cleanups.push(exchange.close);
    const frames: string[] = [];
    const connection = new FeedConnection({
      url: exchange.wsUrl,
      subscribeFrames: () => ['{"subscribe":true}'],
      backoff: { baseMs: 10, maxMs: 20 },
      staleAfterMs: 5000,
      pingEveryMs: 50,
      onFrame: (frame) => frames.push(frame),
    });
    cleanups.push(() => connection.close());
    connection.start();
    await waitFor(() => frames.length === 4, 20_000, 'frames of two connections');
    expect(frames).toEqual(['frame 1.1', 'frame 1.2', 'frame 2.1', 'frame 2.2']);
    expect(subscriptions).toEqual(['{"subscribe":true}', '{"subscribe":true}']);
  });

  it('close() during the backoff wait stops reconnecting and resolves', async () => {
    const exchange = await startLocalExchange(
      (socket) => socket.terminate(),
      () => ({ status: 404, body: null }),
    );
    cleanups.push(exchange.close);
    const statuses: ConnectionStatus['kind'][] = [];
    const connection = new FeedConnection({
      url: exchange.wsUrl,
      subscribeFrames: () => [],
      backoff: { baseMs: 200, maxMs: 200 },
      staleAfterMs: 5000,
      pingEveryMs: null,
      onFrame: () => {},
      onStatus: (status) => statuses.push(status.kind),
      random: () => 0.99,
    });
    connection.start();
    await waitFor(() => statuses.includes('reconnecting'), 20_000, 'the first reconnect to be scheduled');
    await connection.close();
    const connections = exchange.connections.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(exchange.connections.length).toBe(connections);
    expect(connection.connected).toBe(false);
  });
});
