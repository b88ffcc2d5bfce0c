import { createServer, type Server } from 'node:http';
import type { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import type { DeadLetter } from '../../schemas/dead-letter.js';
import { NexuralError } from '../../schemas/errors.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';
import { topicNames } from '../../schemas/topics.js';
import type { RecordSerde } from '../runtime/serdes/record-serde.js';
import { createBinanceAdapter } from './feeds/binance.js';
import { createCoinbaseAdapter } from './feeds/coinbase.js';
import { ExchangeFeed, type FeedEvent } from './feeds/exchange-feed.js';
import { FeedMetrics } from './feeds/feed-metrics.js';
import { RawPublisher } from './raw-publisher.js';
import { pacedSyntheticTrades } from './synthetic-feed.js';

export const liveFeedKinds = ['binance', 'coinbase', 'synthetic'] as const;
export type LiveFeedKind = (typeof liveFeedKinds)[number];

export interface LiveFeedOptions {
  readonly kind: LiveFeedKind;
  /** exchange symbols; synthetic: names, or one number = how many */
  readonly symbols: readonly string[];
  /** synthetic: ticks per second */
  readonly rate: number;
  readonly seed: number;
  readonly metricsPort?: number;
  readonly statusEveryMs?: number;
  /** where malformed exchange frames go (the dead-letter topic's serde); null = counted only */
  readonly deadLetters?: RecordSerde<DeadLetter> | null;
}

const count = (value: number) => value.toLocaleString('en-US');

function describeEvent(event: FeedEvent): string | null {
  switch (event.kind) {
    case 'connected':
      return 'connected';
    case 'disconnected':
      return `disconnected: ${event.reason}`;
    case 'reconnecting':
      return `reconnecting in ${event.delayMs} ms (attempt ${event.attempt})`;
    case 'stale':
      return `no message for ${event.silentMs} ms: replacing the connection`;
    case 'gap':
      return `${event.symbol}: trades ${event.fromId}–${event.toId} missing, backfilling`;
    case 'backfilled':
      return `${event.symbol}: ${event.trades} trades backfilled`;
    case 'unfilled':
      return `${event.symbol}: trades ${event.fromId}–${event.toId} stay missing: ${event.reason}`;
    case 'venue-error':
      return `exchange error: ${event.message}`;
  }
}

async function serveMetrics(registry: Registry, port: number, say: (line: string) => void): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  say(
    `  metrics on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/metrics`,
  );
  return server;
}

const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });

/**
 * Publishes a live feed to the raw topics of `log` until `signal` aborts: an exchange (reconnects, gap
 * backfill, dead letters, metrics) or the synthetic GBM feed at `rate` ticks/s. One status line every few
 * seconds; the connection events as they happen.
 */
export async function runLiveFeed(
  options: LiveFeedOptions,
  log: StreamLog,
  output: Writable,
  signal: AbortSignal,
): Promise<void> {
  const say = (line: string) => output.write(`${line}\n`);
  const registry = new Registry();
  const server =
    options.metricsPort === undefined ? null : await serveMetrics(registry, options.metricsPort, say);
  const producer = await log.createProducer();
  // a live feed never gives up on the log: it retries (ticks queue, bounded by the feed's maxQueued)
  const publisher = new RawPublisher(producer, topicNames(), {
    onSendError: () => 'retry',
    retryDelayMs: (attempt) => Math.min(5000, 100 * 2 ** attempt),
  });
  const statusEveryMs = options.statusEveryMs ?? 5000;
  try {
    if (options.kind === 'synthetic') {
      const symbols =
        options.symbols.length === 1 && /^\d+$/.test(options.symbols[0] ?? '')
          ? Number(options.symbols[0])
          : options.symbols.length > 0
            ? [...options.symbols]
            : 10;
      say(
        `nexural ingest: synthetic GBM feed, ${typeof symbols === 'number' ? symbols : symbols.length} symbols at ${count(options.rate)} ticks/s (seed ${options.seed})`,
      );
      let sent = 0;
      const timer = setInterval(() => say(`  ${count(sent)} ticks published`), statusEveryMs);
      try {
        for await (const batch of pacedSyntheticTrades(
          { symbols, ratePerSecond: options.rate, seed: options.seed, startTimeMs: Date.now() },
          { signal },
        )) {
          for (const trade of batch) publisher.trade(trade);
          sent += batch.length;
          await publisher.whenBelow(100_000);
        }
      } finally {
        clearInterval(timer);
      }
      return;
    }
    if (options.symbols.length === 0) {
      throw new NexuralError('NXR_CONFIG_INVALID', `--symbols is required for the ${options.kind} feed`);
    }
    const adapter =
      options.kind === 'binance'
        ? createBinanceAdapter({ symbols: [...options.symbols] })
        : createCoinbaseAdapter({ symbols: [...options.symbols] });
    const dlq = options.deadLetters ?? null;
    const feed = new ExchangeFeed({
      adapter,
      publisher,
      metrics: FeedMetrics.for(registry),
      onEvent: (event) => {
        const line = describeEvent(event);
        if (line !== null) say(`  ${adapter.feed}: ${line}`);
      },
      onDeadLetter: (letter) => {
        say(`  ${adapter.feed}: refused a frame: ${letter.code} ${letter.reason}`);
        if (dlq !== null) {
          void dlq
            .serialize(letter)
            .then((value) => producer.send([{ topic: dlq.topic, key: letter.key, value }]))
            .catch((error: unknown) => say(`  dead letter not written: ${String(error)}`));
        }
      },
    });
    say(`nexural ingest: ${adapter.feed} feed ${adapter.url} → ${topicNames().trades}`);
    feed.start();
    const timer = setInterval(() => {
      const { trades, quotes, gaps, backfilled, unfilled, dropped, reconnects } = feed.stats;
      say(
        `  ${feed.connected ? 'connected' : 'not connected'} · trades ${count(trades)} · quotes ${count(quotes)} · gaps ${gaps} (backfilled ${count(backfilled)}, unfilled ${unfilled}) · dropped ${dropped} · reconnects ${reconnects}`,
      );
    }, statusEveryMs);
    try {
      await untilAborted(signal);
    } finally {
      clearInterval(timer);
      await feed.close();
    }
  } finally {
    await publisher.flush().catch(() => {});
    await producer.close();
    if (server !== null) await new Promise((resolve) => server.close(resolve));
  }
}
