import { z } from 'zod';
import type { DeadLetter } from '../../../schemas/dead-letter.js';
import { parseOrThrow } from '../../../schemas/validate.js';
import type { RawPublisher } from '../raw-publisher.js';
import { backoffSchema } from './backoff.js';
import type { ExchangeAdapter } from './exchange-adapter.js';
import { type ConnectionStatus, FeedConnection } from './feed-connection.js';
import { type FeedMessage, type FeedTrade, feedDeadLetter } from './feed-messages.js';
import type { FeedMetrics } from './feed-metrics.js';
import { TradeSequencer } from './trade-sequencer.js';

export const feedConfigSchema = z
  .object({
    backoff: backoffSchema.default({ baseMs: 500, maxMs: 30_000 }).describe('reconnect backoff'),
    staleAfterMs: z
      .number()
      .int()
      .min(1)
      .default(30_000)
      .describe('reconnect when nothing (not even a ping) arrived for this long'),
    maxBackfillTrades: z
      .number()
      .int()
      .min(0)
      .default(100_000)
      .describe('gaps with more missing trades are not fetched (counted as unfilled)'),
    backfillAttempts: z.number().int().min(1).default(5).describe('REST attempts per gap'),
    maxQueued: z
      .number()
      .int()
      .min(1)
      .default(100_000)
      .describe('ticks waiting for the log beyond this are dropped (counted), so memory stays bounded'),
  })
  .describe('live feed connection and backfill settings');

export type FeedConfigInput = z.input<typeof feedConfigSchema>;

export type FeedEvent =
  | ConnectionStatus
  | { readonly kind: 'gap'; readonly symbol: string; readonly fromId: string; readonly toId: string }
  | { readonly kind: 'backfilled'; readonly symbol: string; readonly trades: number }
  | {
      readonly kind: 'unfilled';
      readonly symbol: string;
      readonly fromId: string;
      readonly toId: string;
      readonly reason: string;
    }
  | { readonly kind: 'venue-error'; readonly message: string };

export interface ExchangeFeedDeps {
  readonly adapter: ExchangeAdapter;
  readonly publisher: RawPublisher;
  readonly config?: FeedConfigInput;
  readonly metrics?: FeedMetrics;
  /** malformed frames, as dead letters (they are also counted as dropped) */
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  readonly onEvent?: (event: FeedEvent) => void;
  readonly random?: () => number;
  readonly now?: () => number;
}

export interface FeedStats {
  trades: number;
  quotes: number;
  gaps: number;
  backfilled: number;
  unfilled: number;
  duplicates: number;
  dropped: number;
  reconnects: number;
}

/**
 * A live exchange feed: one kept-alive WebSocket (reconnect with backoff and jitter, stale timeout,
 * resubscribe), frames decoded by the exchange adapter, trades put in id order with gaps backfilled through
 * REST, ticks published to the raw topics, malformed frames dead-lettered, status in metrics.
 */
export class ExchangeFeed {
  readonly stats: FeedStats = {
    trades: 0,
    quotes: 0,
    gaps: 0,
    backfilled: 0,
    unfilled: 0,
    duplicates: 0,
    dropped: 0,
    reconnects: 0,
  };
  private readonly connection: FeedConnection;
  private readonly sequencer: TradeSequencer;
  private readonly quoteSequences = new Map<string, bigint>();
  private readonly config: z.output<typeof feedConfigSchema>;
  private readonly now: () => number;
  private everConnected = false;

  constructor(private readonly deps: ExchangeFeedDeps) {
    this.config = parseOrThrow(feedConfigSchema, deps.config ?? {}, 'feed config');
    this.now = deps.now ?? Date.now;
    const { adapter, metrics } = deps;
    const feed = adapter.feed;
    this.sequencer = new TradeSequencer({
      backfill: adapter.backfill,
      emit: (trade) => this.publishTrade(trade),
      maxBackfillTrades: this.config.maxBackfillTrades,
      attempts: this.config.backfillAttempts,
      backoff: this.config.backoff,
      ...(deps.random === undefined ? {} : { random: deps.random }),
      events: {
        gap: (symbol, fromId, toId) => {
          this.stats.gaps++;
          metrics?.gaps.inc({ feed, symbol });
          deps.onEvent?.({ kind: 'gap', symbol, fromId: String(fromId), toId: String(toId) });
        },
        backfilled: (symbol, trades) => {
          this.stats.backfilled += trades;
          metrics?.backfilled.inc({ feed, symbol }, trades);
          deps.onEvent?.({ kind: 'backfilled', symbol, trades });
        },
        duplicate: (symbol) => {
          this.stats.duplicates++;
          metrics?.duplicates.inc({ feed, symbol });
        },
        unfilled: (symbol, fromId, toId, reason) => {
          this.stats.unfilled++;
          metrics?.unfilled.inc({ feed, symbol });
          deps.onEvent?.({ kind: 'unfilled', symbol, fromId: String(fromId), toId: String(toId), reason });
        },
      },
    });
    this.connection = new FeedConnection({
      url: adapter.url,
      subscribeFrames: () => adapter.subscribeFrames(),
      backoff: this.config.backoff,
      staleAfterMs: this.config.staleAfterMs,
      pingEveryMs: adapter.pingEveryMs,
      onFrame: (frame) => this.onFrame(frame),
      onStatus: (status) => this.onStatus(status),
      ...(deps.random === undefined ? {} : { random: deps.random }),
      now: this.now,
    });
    metrics?.connected.set({ feed }, 0);
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  start(): void {
    this.connection.start();
  }

  /** Closes the connection, lets running backfills finish and the publisher drain, stops every timer. */
  async close(): Promise<void> {
    await this.connection.close();
    this.sequencer.close();
    await this.sequencer.idle();
    await this.deps.publisher.flush();
    this.deps.metrics?.connected.set({ feed: this.deps.adapter.feed }, 0);
  }

  private onStatus(status: ConnectionStatus): void {
    const feed = this.deps.adapter.feed;
    if (status.kind === 'connected') {
      if (this.everConnected) {
        this.stats.reconnects++;
        this.deps.metrics?.reconnects.inc({ feed });
      }
      this.everConnected = true;
      this.deps.metrics?.connected.set({ feed }, 1);
    } else if (status.kind === 'disconnected') {
      this.deps.metrics?.connected.set({ feed }, 0);
    }
    this.deps.onEvent?.(status);
  }

  private onFrame(frame: string): void {
    const message: FeedMessage = this.deps.adapter.decode(frame);
    const feed = this.deps.adapter.feed;
    switch (message.kind) {
      case 'trade':
        this.deps.metrics?.messageSeen(feed, message.trade.raw.symbol, this.now());
        this.sequencer.accept(message.trade.raw.symbol, message.trade);
        return;
      case 'quote': {
        const { symbol } = message.quote;
        this.deps.metrics?.messageSeen(feed, symbol, this.now());
        const last = this.quoteSequences.get(symbol);
        // a ticker is a snapshot of the top of book: an older one than we published is stale, not missing
        if (message.sequence !== null && last !== undefined && message.sequence <= last) {
          this.stats.duplicates++;
          this.deps.metrics?.duplicates.inc({ feed, symbol });
          return;
        }
        if (message.sequence !== null) this.quoteSequences.set(symbol, message.sequence);
        if (this.admit()) {
          this.stats.quotes++;
          this.deps.publisher.quote(message.quote);
        }
        return;
      }
      case 'last-trade-id':
        this.sequencer.expectThrough(message.symbol, message.lastTradeId);
        return;
      case 'ignored':
        return;
      case 'venue-error':
        this.deps.onEvent?.({ kind: 'venue-error', message: message.message });
        return;
      case 'invalid': {
        this.stats.dropped++;
        this.deps.metrics?.dropped.inc({ feed, reason: message.code });
        this.deps.onDeadLetter?.(feedDeadLetter(frame, message, null, this.now()));
        return;
      }
    }
  }

  private publishTrade(trade: FeedTrade): void {
    if (!this.admit()) return;
    this.stats.trades++;
    this.deps.publisher.trade(trade.raw);
  }

  /** Bounded memory: when the log falls this far behind, ticks are dropped and counted, never queued. */
  private admit(): boolean {
    if (this.deps.publisher.queued < this.config.maxQueued) return true;
    this.stats.dropped++;
    this.deps.metrics?.dropped.inc({ feed: this.deps.adapter.feed, reason: 'backpressure' });
    return false;
  }
}
