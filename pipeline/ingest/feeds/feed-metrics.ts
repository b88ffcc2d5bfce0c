import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Status of every feed as Prometheus metrics, labelled by feed (binance, coinbase, …) and symbol. One set
 * per registry: feeds sharing a registry share the metrics and differ by label.
 */
export class FeedMetrics {
  private static readonly byRegistry = new WeakMap<Registry, FeedMetrics>();

  readonly connected: Gauge<'feed'>;
  readonly reconnects: Counter<'feed'>;
  readonly messages: Counter<'feed' | 'symbol'>;
  readonly gaps: Counter<'feed' | 'symbol'>;
  readonly backfilled: Counter<'feed' | 'symbol'>;
  readonly unfilled: Counter<'feed' | 'symbol'>;
  readonly duplicates: Counter<'feed' | 'symbol'>;
  readonly dropped: Counter<'feed' | 'reason'>;
  /** feed → symbol → ms of the last message, read when the registry is scraped */
  private readonly lastMessageAt = new Map<string, Map<string, number>>();

  static for(registry: Registry, now: () => number = Date.now): FeedMetrics {
    let metrics = FeedMetrics.byRegistry.get(registry);
    if (metrics === undefined) {
      metrics = new FeedMetrics(registry, now);
      FeedMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry, now: () => number) {
    const registers = [registry];
    const lastMessageAt = this.lastMessageAt;
    this.connected = new Gauge({
      name: 'nexural_feed_connected',
      help: '1 while the feed has an open connection to the exchange',
      labelNames: ['feed'],
      registers,
    });
    new Gauge({
      name: 'nexural_feed_last_message_age_seconds',
      help: 'seconds since the last message for the symbol',
      labelNames: ['feed', 'symbol'],
      registers,
      collect() {
        const at = now();
        for (const [feed, symbols] of lastMessageAt) {
          for (const [symbol, last] of symbols) this.set({ feed, symbol }, (at - last) / 1000);
        }
      },
    });
    this.reconnects = new Counter({
      name: 'nexural_feed_reconnects_total',
      help: 'connections replaced after a close, an error or a stale timeout',
      labelNames: ['feed'],
      registers,
    });
    this.messages = new Counter({
      name: 'nexural_feed_messages_total',
      help: 'trade and quote messages received',
      labelNames: ['feed', 'symbol'],
      registers,
    });
    this.gaps = new Counter({
      name: 'nexural_feed_gaps_detected_total',
      help: 'jumps in the trade ids (lost messages or an outage)',
      labelNames: ['feed', 'symbol'],
      registers,
    });
    this.backfilled = new Counter({
      name: 'nexural_feed_trades_backfilled_total',
      help: 'trades fetched through the REST API to fill gaps',
      labelNames: ['feed', 'symbol'],
      registers,
    });
    this.unfilled = new Counter({
      name: 'nexural_feed_gaps_unfilled_total',
      help: 'gaps the REST API could not fill completely (their trades are missing)',
      labelNames: ['feed', 'symbol'],
      registers,
    });
    this.duplicates = new Counter({
      name: 'nexural_feed_duplicates_total',
      help: 'trades or quotes received again (after a reconnect) and skipped',
      labelNames: ['feed', 'symbol'],
      registers,
    });
    this.dropped = new Counter({
      name: 'nexural_feed_messages_dropped_total',
      help: 'messages refused (malformed: dead-lettered) or not published (backpressure)',
      labelNames: ['feed', 'reason'],
      registers,
    });
  }

  messageSeen(feed: string, symbol: string, at: number): void {
    let symbols = this.lastMessageAt.get(feed);
    if (symbols === undefined) {
      symbols = new Map();
      this.lastMessageAt.set(feed, symbols);
    }
    symbols.set(symbol, at);
    this.messages.inc({ feed, symbol });
  }
}
