import { type Strategy, strategySymbols } from '../../schemas/strategy.js';
import { type BookState, StrategyBook, type TradeEvent } from './strategy-book.js';

/** A final bar of the strategy's interval as the bars topic carries it. */
export interface FeedBar {
  readonly symbol: string;
  readonly openTime: number;
  readonly closeTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** A final indicator value on a bar of the strategy's interval. */
export interface FeedIndicator {
  readonly symbol: string;
  readonly openTime: number;
  readonly spec: string;
  readonly outputs: Readonly<Record<string, number>>;
}

/**
 * A record in its symbol's order, waiting for the other symbols of the strategy: a trade's key is its time (ms), a
 * bar's its close + 0.5 (after the trades up to its close, before the first one after it).
 */
type FeedEvent =
  | { readonly key: number; readonly trade: TradeEvent }
  | { readonly key: number; readonly bar: FeedBar; readonly values: readonly [string, number][] };

interface SymbolFeed {
  /** trades not yet handed to the book, in arrival (= per-symbol) order */
  trades: TradeEvent[];
  /** final bars not yet handed to the book, by open time */
  bars: [number, FeedBar][];
  /** indicator outputs by bar open time, `<spec>.<output>` → value */
  indicators: [number, [string, number][]][];
  lastTradeMs: number;
  /** open time of the window of the last trade handed to the book */
  window: number | null;
  /** close time of the last bar handed to the book */
  appliedThrough: number;
  maxBarOpen: number;
  maxIndicatorOpen: number;
  /** in this symbol's order, not yet handed to the book (the other symbols may still have earlier records) */
  out: FeedEvent[];
  /** the largest key put in `out`: this symbol's later records never come before it */
  lastKey: number;
}

export interface FeedState {
  readonly book: BookState;
  readonly symbols: readonly [string, SymbolFeed][];
}

const minus = Number.NEGATIVE_INFINITY;

export interface FeedOptions {
  /**
   * Live only: a symbol of the strategy from which nothing arrived for this many wall-clock ms stops holding the
   * others back (a quiet or halted market must not freeze the others' stops). Default never (backtests, tests).
   */
  readonly idleAfterMs?: number;
  readonly clock?: { now(): number };
}

/**
 * Puts the three topics a live strategy reads — raw trades, final bars, final indicator values, each in
 * per-symbol order but in any order against each other — back into the one order a backtest feeds its book:
 * a final bar B goes in after every trade up to B's close and before the first trade after it, with its
 * indicators. So the live consumer and `nexural backtest` run the same book on the same sequence.
 *
 * - B is handed in once a trade after B's close arrived (trades are in order: all of B's are in) and B's
 *   indicators are complete: every required spec arrived for B, or an indicator of a later bar did.
 * - A trade is handed in once every bar closing before it is in: the bar just before its window was handed
 *   in, a bar of its window or later arrived (the ones before it were never made), or it shares the window of
 *   the previous trade. Only time bars; the delay is latency, never a different fill.
 * - The symbols of one strategy share its equity, realised PnL and open positions, so their records are merged
 *   by event time before the book gets them (a trade at its time, a bar at its close, after the trades up to
 *   it; equal times by symbol): a record goes in once every other symbol of the strategy has one at or after
 *   it. The book's input, fills and equity points do not depend on the order the topics or symbols are read in.
 *   A symbol that does not trade holds the others back (latency) until it does — live, at most `idleAfterMs` of
 *   wall-clock time: then the others go on without it, and its records that come later go in late (the one case
 *   where the order the topics are read in shows in the book).
 */
export class StrategyFeed {
  private readonly symbols = new Map<string, SymbolFeed>();
  private readonly required: readonly string[];
  /** wall-clock ms of the last record per symbol (not saved: a restored feed starts every symbol's wait anew) */
  private readonly arrivals = new Map<string, number>();
  private readonly createdAt: number;

  constructor(
    readonly book: StrategyBook,
    private readonly intervalMs: number,
    required: readonly string[],
    private readonly options: FeedOptions = {},
  ) {
    this.required = [...new Set(required)];
    this.createdAt = options.clock?.now() ?? 0;
  }

  static restore(
    strategy: Strategy,
    intervalMs: number,
    required: readonly string[],
    state: FeedState,
    options: FeedOptions = {},
  ) {
    const feed = new StrategyFeed(StrategyBook.restore(strategy, state.book), intervalMs, required, options);
    for (const [symbol, serial] of state.symbols) {
      // states saved before the merge across symbols lack `out` and `lastKey`
      const saved: Omit<SymbolFeed, 'out' | 'lastKey'> & Partial<SymbolFeed> = structuredClone(serial);
      feed.symbols.set(symbol, { ...saved, out: saved.out ?? [], lastKey: saved.lastKey ?? minus });
    }
    return feed;
  }

  state(): FeedState {
    return { book: this.book.state(), symbols: structuredClone([...this.symbols]) };
  }

  private of(symbol: string): SymbolFeed {
    let feed = this.symbols.get(symbol);
    if (!feed) {
      feed = {
        trades: [],
        bars: [],
        indicators: [],
        lastTradeMs: minus,
        window: null,
        appliedThrough: minus,
        maxBarOpen: minus,
        maxIndicatorOpen: minus,
        out: [],
        lastKey: minus,
      };
      this.symbols.set(symbol, feed);
    }
    return feed;
  }

  addTrade(trade: TradeEvent): void {
    const feed = this.of(trade.symbol);
    feed.trades.push(trade);
    feed.lastTradeMs = Math.max(feed.lastTradeMs, Math.floor(trade.timeUs / 1000));
    this.pump(trade.symbol, feed);
  }

  addBar(bar: FeedBar): void {
    const feed = this.of(bar.symbol);
    if (bar.closeTime <= feed.appliedThrough || feed.bars.some(([open]) => open === bar.openTime)) return;
    feed.bars.push([bar.openTime, bar]);
    feed.bars.sort((a, b) => a[0] - b[0]);
    feed.maxBarOpen = Math.max(feed.maxBarOpen, bar.openTime);
    this.pump(bar.symbol, feed);
  }

  addIndicator(value: FeedIndicator): void {
    const feed = this.of(value.symbol);
    let entry = feed.indicators.find(([open]) => open === value.openTime);
    if (!entry) {
      entry = [value.openTime, []];
      feed.indicators.push(entry);
    }
    const values = entry[1];
    for (const [output, number] of Object.entries(value.outputs)) {
      const name = `${value.spec}.${output}`;
      const at = values.findIndex(([series]) => series === name);
      if (at >= 0) values.splice(at, 1);
      values.push([name, number]);
    }
    feed.maxIndicatorOpen = Math.max(feed.maxIndicatorOpen, value.openTime);
    this.pump(value.symbol, feed);
  }

  /** Records held back for order (latency), per kind. */
  held(): { trades: number; bars: number } {
    let [trades, bars] = [0, 0];
    for (const feed of this.symbols.values()) {
      trades += feed.trades.length;
      bars += feed.bars.length;
      for (const event of feed.out)
        if ('bar' in event) bars++;
        else trades++;
    }
    return { trades, bars };
  }

  /** End of data (backtests): the bars still held go in, in order, then open positions close. */
  finish(): void {
    for (const [symbol, feed] of this.symbols) {
      while (feed.trades.length > 0 || feed.bars.length > 0) {
        const bar = feed.bars[0]?.[1];
        const trade = feed.trades[0];
        if (bar && (!trade || Math.floor(trade.timeUs / 1000) > bar.closeTime)) this.applyBar(feed, bar);
        else if (trade) this.applyTrade(feed, trade);
      }
      this.symbols.set(symbol, feed);
    }
    this.merge(true);
    this.book.finish();
  }

  private ready(feed: SymbolFeed, bar: FeedBar): boolean {
    if (this.required.length === 0 || feed.maxIndicatorOpen > bar.openTime) return true;
    const values = feed.indicators.find(([open]) => open === bar.openTime)?.[1] ?? [];
    return this.required.every((spec) => values.some(([series]) => series.startsWith(`${spec}.`)));
  }

  private pump(symbol: string, feed: SymbolFeed): void {
    if (this.options.clock) this.arrivals.set(symbol, this.options.clock.now());
    this.order(feed);
    this.merge(false);
  }

  /** This symbol's records, in the backtest's order, into its `out`. */
  private order(feed: SymbolFeed): void {
    for (;;) {
      const bar = feed.bars[0]?.[1];
      const trade = feed.trades[0];
      const tradeMs = trade ? Math.floor(trade.timeUs / 1000) : Number.POSITIVE_INFINITY;
      if (bar && feed.lastTradeMs > bar.closeTime && tradeMs > bar.closeTime && this.ready(feed, bar)) {
        this.applyBar(feed, bar);
        continue;
      }
      if (!trade || (bar && bar.closeTime < tradeMs)) return;
      const window = tradeMs - (tradeMs % this.intervalMs);
      const before = feed.window === window || feed.appliedThrough >= window - 1 || feed.maxBarOpen >= window;
      if (!before) return;
      this.applyTrade(feed, trade);
    }
  }

  private applyBar(feed: SymbolFeed, bar: FeedBar): void {
    feed.bars.shift();
    const at = feed.indicators.findIndex(([open]) => open === bar.openTime);
    const indicators = at >= 0 ? (feed.indicators[at]?.[1] ?? []) : [];
    feed.indicators = feed.indicators.filter(([open]) => open > bar.openTime);
    feed.appliedThrough = bar.closeTime;
    const values = new Map<string, number>([
      ['bar.open', bar.open],
      ['bar.high', bar.high],
      ['bar.low', bar.low],
      ['bar.close', bar.close],
      ['bar.volume', bar.volume],
      ...indicators,
    ]);
    this.put(feed, { key: bar.closeTime + 0.5, bar, values: [...values] });
  }

  private applyTrade(feed: SymbolFeed, trade: TradeEvent): void {
    feed.trades.shift();
    const ms = Math.floor(trade.timeUs / 1000);
    feed.window = ms - (ms % this.intervalMs);
    this.put(feed, { key: ms, trade });
  }

  private put(feed: SymbolFeed, event: FeedEvent): void {
    feed.out.push(event);
    feed.lastKey = Math.max(feed.lastKey, event.key);
  }

  private idle(symbol: string): boolean {
    const { idleAfterMs, clock } = this.options;
    if (idleAfterMs === undefined || !clock) return false;
    return clock.now() - (this.arrivals.get(symbol) ?? this.createdAt) >= idleAfterMs;
  }

  /**
   * Hands the earliest waiting record of any symbol to the book (equal keys by symbol) while no other symbol of
   * the strategy can still send an earlier one; at the end of data (`final`) all of them.
   */
  private merge(final: boolean): void {
    const members = [...new Set([...strategySymbols(this.book.strategy), ...this.symbols.keys()])];
    for (;;) {
      let next: { symbol: string; feed: SymbolFeed; event: FeedEvent } | null = null;
      for (const [symbol, feed] of this.symbols) {
        const event = feed.out[0];
        if (
          event &&
          (!next || event.key < next.event.key || (event.key === next.event.key && symbol < next.symbol))
        )
          next = { symbol, feed, event };
      }
      if (!next) return;
      const { symbol, event } = next;
      for (const other of final ? [] : members) {
        const feed = this.symbols.get(other);
        if (other === symbol || (feed && feed.out.length > 0) || this.idle(other)) continue;
        const last = feed?.lastKey ?? minus;
        if (last < event.key || (last === event.key && other < symbol)) return;
      }
      next.feed.out.shift();
      if ('trade' in event) this.book.onTrade(event.trade);
      else {
        const { bar } = event;
        const values = new Map(event.values);
        this.book.onBar({ symbol: bar.symbol, openTime: bar.openTime, closeTime: bar.closeTime, values });
      }
    }
  }
}

/** JSON of a feed state; ±Infinity and NaN (open stops, unset prices) survive as strings. */
export const encodeFeedState = (state: FeedState): string =>
  JSON.stringify(state, (_key, value) =>
    typeof value === 'number' && !Number.isFinite(value) ? `#${value}` : value,
  );

export const decodeFeedState = (text: string): FeedState =>
  JSON.parse(text, (_key, value) =>
    value === '#Infinity' || value === '#-Infinity' || value === '#NaN' ? Number(value.slice(1)) : value,
  ) as FeedState;
