import { type Backoff, fullJitterDelay } from './backoff.js';
import type { FeedTrade } from './feed-messages.js';

/** Fetches the trades of `symbol` with ids in [fromId, toId], in any order (the sequencer sorts and de-dups). */
export type BackfillTrades = (symbol: string, fromId: bigint, toId: bigint) => Promise<readonly FeedTrade[]>;

export interface SequencerEvents {
  gap?(symbol: string, fromId: bigint, toId: bigint): void;
  backfilled?(symbol: string, trades: number): void;
  duplicate?(symbol: string, id: bigint): void;
  /** the range could not be fetched (or was too large); its trades are missing from the topic */
  unfilled?(symbol: string, fromId: bigint, toId: bigint, reason: string): void;
}

export interface TradeSequencerOptions {
  readonly backfill: BackfillTrades;
  /** receives every trade once, per symbol in trade-id order */
  readonly emit: (trade: FeedTrade) => void;
  readonly events?: SequencerEvents;
  /** larger gaps are not fetched (an outage of hours is a job for a file ingest, not a live feed) */
  readonly maxBackfillTrades: number;
  readonly attempts: number;
  readonly backoff: Backoff;
  readonly random?: () => number;
}

interface SymbolState {
  lastId: bigint | null;
  /** live trades that arrived while a gap before them was being fetched; null = not backfilling */
  pending: FeedTrade[] | null;
  /** the highest trade id the venue said exists (heartbeat); checked at the next hint */
  expected: bigint | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Puts a feed's trades in order, per symbol, by their contiguous trade ids. A trade whose id jumps past the
 * next expected one reveals a gap (lost messages, or the outage of a reconnect): the live trades after it
 * wait while the gap is fetched from the venue's REST API, then the fetched trades are emitted first, in id
 * order, and the waiting ones after them. Ids at or below the last emitted one are duplicates and dropped.
 * So the emitted sequence equals what an uninterrupted connection would have delivered.
 */
export class TradeSequencer {
  private readonly symbols = new Map<string, SymbolState>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: TradeSequencerOptions) {}

  accept(symbol: string, trade: FeedTrade): void {
    const state = this.stateOf(symbol);
    if (state.pending !== null) state.pending.push(trade);
    else this.apply(symbol, state, trade);
  }

  /**
   * The venue's own last trade id (Coinbase heartbeats): a gap at the tail, which no later trade reveals
   * on a quiet symbol, is fetched if the trades up to the previous hint still have not arrived.
   */
  expectThrough(symbol: string, lastTradeId: bigint): void {
    const state = this.stateOf(symbol);
    if (state.lastId === null) return;
    // the previous hint, not this one: its trades have had one heartbeat interval to arrive
    if (state.pending === null && state.expected !== null && state.expected > state.lastId) {
      state.pending = [];
      this.fill(symbol, state, state.lastId + 1n, state.expected);
    }
    if (state.expected === null || lastTradeId > state.expected) state.expected = lastTradeId;
  }

  lastTradeId(symbol: string): bigint | null {
    return this.symbols.get(symbol)?.lastId ?? null;
  }

  /** Resolves once no backfill is running (the trades waiting behind them have been emitted). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Stops retrying failed fetches; a running fetch still finishes. */
  close(): void {
    this.closed = true;
  }

  private stateOf(symbol: string): SymbolState {
    let state = this.symbols.get(symbol);
    if (state === undefined) {
      state = { lastId: null, pending: null, expected: null };
      this.symbols.set(symbol, state);
    }
    return state;
  }

  private apply(symbol: string, state: SymbolState, trade: FeedTrade): void {
    if (state.lastId === null || trade.id === state.lastId + 1n) {
      state.lastId = trade.id;
      this.options.emit(trade);
    } else if (trade.id <= state.lastId) {
      this.options.events?.duplicate?.(symbol, trade.id);
    } else {
      state.pending = [trade];
      this.fill(symbol, state, state.lastId + 1n, trade.id - 1n);
    }
  }

  private fill(symbol: string, state: SymbolState, fromId: bigint, toId: bigint): void {
    this.options.events?.gap?.(symbol, fromId, toId);
    const work = this.fetchAndEmit(symbol, state, fromId, toId).finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async fetchAndEmit(symbol: string, state: SymbolState, fromId: bigint, toId: bigint) {
    const count = toId - fromId + 1n;
    let fetched: readonly FeedTrade[] = [];
    let failure: string | null = null;
    if (count > BigInt(this.options.maxBackfillTrades)) {
      failure = `a gap of ${count} trades is more than maxBackfillTrades (${this.options.maxBackfillTrades})`;
    } else {
      try {
        fetched = await this.fetchWithRetries(symbol, fromId, toId);
      } catch (error) {
        failure = `backfill failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    const inGap = fetched.filter((trade) => trade.id >= fromId && trade.id <= toId);
    inGap.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let emitted = 0;
    for (const trade of inGap) {
      if (state.lastId !== null && trade.id <= state.lastId) continue;
      state.lastId = trade.id;
      this.options.emit(trade);
      emitted++;
    }
    this.options.events?.backfilled?.(symbol, emitted);
    if (BigInt(emitted) < count) {
      const reason = failure ?? `${count - BigInt(emitted)} of ${count} trades not served by the venue`;
      this.options.events?.unfilled?.(symbol, fromId, toId, reason);
    }
    // what could not be fetched stays a hole: moving past it keeps the waiting trades from re-opening it
    if (state.lastId === null || state.lastId < toId) state.lastId = toId;
    const waiting = state.pending ?? [];
    state.pending = null;
    // through accept(): a second gap among them waits for its own backfill
    for (const trade of waiting) this.accept(symbol, trade);
  }

  private async fetchWithRetries(
    symbol: string,
    fromId: bigint,
    toId: bigint,
  ): Promise<readonly FeedTrade[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.options.backfill(symbol, fromId, toId);
      } catch (error) {
        if (this.closed || attempt + 1 >= this.options.attempts) throw error;
        await sleep(fullJitterDelay(attempt, this.options.backoff, this.options.random));
      }
    }
  }
}
