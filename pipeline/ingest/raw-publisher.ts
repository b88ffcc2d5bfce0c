import type { LogProducer, OutgoingRecord } from '../../schemas/ports/stream-log.js';
import type { QuoteTick } from '../../schemas/tick.js';
import { symbolKey } from '../../schemas/topics.js';
import type { RawTradeJson } from './feeds/feed-messages.js';

export interface RawTopics {
  /** plain JSON per rawTradeSchema */
  readonly trades: string;
  readonly quotes: string;
}

export interface RawPublisherOptions {
  /** records per send (one send at a time keeps the per-key order across retries) */
  readonly maxBatch?: number;
  /**
   * A failed send: retry it (the batch stays first in line, so order holds) or give up, which rejects
   * `flush()` and makes later calls throw. Default: give up after 5 attempts.
   */
  readonly onSendError?: (error: unknown, attempt: number) => 'retry' | 'fail';
  readonly retryDelayMs?: (attempt: number) => number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Appends raw ticks to the raw topics, keyed `venue:symbol` so a symbol keeps its order in one partition.
 * Calls return at once; records queue up and go out in batches, one send in flight at a time.
 */
export class RawPublisher {
  private queue: OutgoingRecord[] = [];
  private sending: Promise<void> | null = null;
  private failure: unknown = null;
  private sentCount = 0;
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly waiters: { below: number; resolve: () => void }[] = [];

  constructor(
    private readonly producer: LogProducer,
    private readonly topics: RawTopics,
    private readonly options: RawPublisherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 2000;
  }

  /** records waiting to be sent (the one batch in flight included) */
  get queued(): number {
    return this.queue.length + this.inFlight;
  }

  get sent(): number {
    return this.sentCount;
  }

  trade(trade: RawTradeJson): void {
    this.tradeJson(trade.venue, trade.symbol, Buffer.from(JSON.stringify(trade), 'utf8'));
  }

  /** A raw trade already encoded (a validated NDJSON line, published as written). */
  tradeJson(venue: string, symbol: string, value: Buffer): void {
    this.enqueue({ topic: this.topics.trades, key: symbolKey(venue, symbol), value });
  }

  quote(quote: QuoteTick): void {
    this.enqueue({
      topic: this.topics.quotes,
      key: symbolKey(quote.venue, quote.symbol),
      value: Buffer.from(JSON.stringify(quote), 'utf8'),
    });
  }

  /** Resolves once fewer than `below` records wait (backpressure for producers faster than the log). */
  async whenBelow(below: number): Promise<void> {
    this.throwIfFailed();
    if (this.queued < below) return;
    await new Promise<void>((resolve) => this.waiters.push({ below, resolve }));
    this.throwIfFailed();
  }

  /** Resolves once everything queued so far has been sent; rejects if a send was given up. */
  async flush(): Promise<void> {
    while (this.sending !== null) await this.sending;
    this.throwIfFailed();
  }

  private enqueue(record: OutgoingRecord): void {
    this.throwIfFailed();
    this.queue.push(record);
    if (this.sending === null) this.sending = this.pump().finally(() => (this.sending = null));
  }

  private async pump(): Promise<void> {
    // let the caller's synchronous burst queue up first: one send for many records
    await Promise.resolve();
    while (this.queue.length > 0 && this.failure === null) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight = batch.length;
      await this.sendWithRetries(batch);
      this.inFlight = 0;
      if (this.failure === null) this.sentCount += batch.length;
      this.wakeWaiters();
    }
    this.wakeWaiters();
  }

  private async sendWithRetries(batch: readonly OutgoingRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.send(batch);
        return;
      } catch (error) {
        const decide =
          this.options.onSendError ?? ((_: unknown, tries: number) => (tries < 5 ? 'retry' : 'fail'));
        if (decide(error, attempt) === 'fail') {
          this.failure = error;
          this.queue = [];
          return;
        }
        await sleep(this.options.retryDelayMs?.(attempt) ?? Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }

  private wakeWaiters(): void {
    for (let index = this.waiters.length - 1; index >= 0; index--) {
      const waiter = this.waiters[index];
      if (waiter !== undefined && (this.queued < waiter.below || this.failure !== null)) {
        this.waiters.splice(index, 1);
        waiter.resolve();
      }
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}
