import type { Strategy, StrategyDistance } from '../../schemas/strategy.js';
import { type BarValues, historyBars, holds } from './conditions.js';

export type Side = 'long' | 'short';
export type ExitReason = 'signal' | 'stop_loss' | 'take_profit' | 'trailing_stop' | 'end_of_data';

/** One final bar of the strategy's interval with its series values (`bar.close`, `ema(5).value`, …). */
export interface FinalBar {
  readonly symbol: string;
  readonly openTime: number;
  /** inclusive close time (ms), as bars carry it */
  readonly closeTime: number;
  readonly values: BarValues;
}

export interface TradeEvent {
  readonly symbol: string;
  readonly timeUs: number;
  readonly price: number;
}

export interface Signal {
  readonly symbol: string;
  readonly kind: 'entry' | 'exit';
  readonly side: Side;
  /** the signal bar */
  readonly barOpenTime: number;
  readonly barCloseTime: number;
}

/** One closed round trip. `fees` are both fills' fees; `pnl` is net of them. Times in ms. */
export interface RoundTrip {
  readonly symbol: string;
  readonly side: Side;
  readonly size: number;
  readonly entryTime: number;
  readonly exitTime: number;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly fees: number;
  readonly pnl: number;
  readonly exitReason: ExitReason;
}

/** One paper fill: an entry or an exit of a position. `seq` counts a book's fills from 1 (the live effect key). */
export interface Fill {
  readonly seq: number;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** the side of the position it opens or closes */
  readonly position: Side;
  readonly size: number;
  readonly price: number;
  readonly fee: number;
  /** time (ms) of the trade it filled at */
  readonly time: number;
  readonly reason: 'entry' | ExitReason;
  /** exit fills: the round trip's PnL net of both fees */
  readonly pnl?: number;
}

/** An open position as the API shows it. */
export interface OpenPosition {
  readonly symbol: string;
  readonly side: Side;
  readonly size: number;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly entryFee: number;
}

/** Everything a book needs to go on where it stopped (JSON with non-finite numbers: see encodeBookState). */
export interface BookState {
  readonly open: readonly Position[];
  readonly symbols: readonly [string, SerialSymbolState][];
  readonly realised: number;
  readonly fillSeq: number;
}

interface SerialSymbolState extends Omit<SymbolState, 'previous' | 'history'> {
  readonly previous: [string, number][] | null;
  readonly history: [string, number[]][];
}

interface Position {
  readonly symbol: string;
  readonly side: Side;
  readonly size: number;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly entryFee: number;
  readonly stop: number;
  readonly target: number;
  readonly trailDistance: number;
  best: number;
}

interface SymbolState {
  previous: BarValues | undefined;
  readonly history: Map<string, number[]>;
  /** orders from the last final bar; they fill at the first trade after its close, never before */
  pending: { entry: Side | null; exits: Side[]; afterMs: number };
  barsSinceExit: number;
  lastPrice: number;
  lastTimeUs: number;
  atr: number;
  /** intrabar: the forming bar (open time, open, high, low, close so far) and whether it signalled already */
  forming?: { openTime: number; open: number; high: number; low: number; close: number; signalled: boolean };
}

const unitMs: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const timeIntervalMs = (label: string): number | null => {
  const match = /^(\d+)([smhd])$/.exec(label);
  return match?.[1] && match[2] ? Number(match[1]) * (unitMs[match[2]] ?? 0) : null;
};

const sign = (side: Side) => (side === 'long' ? 1 : -1);

/**
 * The strategy engine, pure and deterministic: final bars (with their series values) and trades in, signals,
 * round trips and equity out. A signal on bar B becomes an order that fills at the price of the first trade
 * handed in after B — and only if that trade's time is after B's close — moved by the slippage against the
 * position. No price of B can fill it: look-ahead is impossible by construction. Live and backtests run this.
 */
export class StrategyBook {
  readonly trades: RoundTrip[] = [];
  readonly signals: Signal[] = [];
  /** one point per final bar: equity marked at its close, and the net base position (negative = short) */
  readonly equity: { time: number; equity: number; position: number }[] = [];
  /** each final bar's close (time = its close time), for the report's price chart */
  readonly closes: { time: number; close: number }[] = [];
  readonly fills: Fill[] = [];
  private fillSeq = 0;
  private readonly open: Position[] = [];
  private readonly symbols = new Map<string, SymbolState>();
  private realised = 0;
  private readonly window: number;
  private readonly atrSeries: string | null;
  /** intrabar evaluation: the interval in ms (time intervals only), else null */
  private readonly intrabarMs: number | null;

  constructor(readonly strategy: Strategy) {
    this.intrabarMs = strategy.evaluate === 'intrabar' ? timeIntervalMs(strategy.interval) : null;
    this.window = Math.max(
      historyBars(strategy.entry),
      historyBars(strategy.exit),
      historyBars(strategy.shortEntry),
      historyBars(strategy.shortExit),
    );
    const atr = [strategy.stopLoss, strategy.takeProfit, strategy.trailingStop].find((d) => d && 'atr' in d);
    this.atrSeries = atr && 'atr' in atr ? `atr(${atr.atrPeriod}).value` : null;
  }

  get positions(): readonly OpenPosition[] {
    return this.open.map(({ symbol, side, size, entryTime, entryPrice, entryFee }) => ({
      symbol,
      side,
      size,
      entryTime,
      entryPrice,
      entryFee,
    }));
  }

  /** The state to go on from (not the output lists: trades, signals, equity, closes, fills). */
  state(): BookState {
    return {
      open: this.open.map((position) => ({ ...position })),
      symbols: [...this.symbols].map(([symbol, state]) => [
        symbol,
        {
          ...state,
          pending: { ...state.pending, exits: [...state.pending.exits] },
          previous: state.previous ? [...state.previous] : null,
          history: [...state.history].map(([series, values]) => [series, [...values]]),
        },
      ]),
      realised: this.realised,
      fillSeq: this.fillSeq,
    };
  }

  /** A book that goes on from `state` (taken by `state()` of a book of the same strategy). */
  static restore(strategy: Strategy, state: BookState): StrategyBook {
    const book = new StrategyBook(strategy);
    book.open.push(...state.open.map((position) => ({ ...position })));
    for (const [symbol, serial] of state.symbols)
      book.symbols.set(symbol, {
        ...serial,
        pending: { ...serial.pending, exits: [...serial.pending.exits] },
        previous: serial.previous ? new Map(serial.previous) : undefined,
        history: new Map(serial.history.map(([series, values]) => [series, [...values]])),
      });
    book.realised = state.realised;
    book.fillSeq = state.fillSeq;
    return book;
  }

  /** The indicator specs the bars must carry for this strategy's stops (conditions name their own). */
  get atrSpec(): string | null {
    return this.atrSeries?.replace(/\.value$/, '') ?? null;
  }

  private symbolState(symbol: string): SymbolState {
    let state = this.symbols.get(symbol);
    if (!state) {
      state = {
        previous: undefined,
        history: new Map(),
        pending: { entry: null, exits: [], afterMs: 0 },
        barsSinceExit: Number.POSITIVE_INFINITY,
        lastPrice: Number.NaN,
        lastTimeUs: 0,
        atr: Number.NaN,
      };
      this.symbols.set(symbol, state);
    }
    return state;
  }

  /** A final bar: evaluates the conditions, queues orders for the next trade, records equity at its close. */
  onBar(bar: FinalBar): void {
    const state = this.symbolState(bar.symbol);
    state.barsSinceExit++;
    if (this.atrSeries) state.atr = bar.values.get(this.atrSeries) ?? state.atr;
    // intrabar: the conditions were evaluated at the bar's trades; its orders stay queued
    if (this.intrabarMs === null) this.decide(bar, bar.values, bar.closeTime);
    this.remember(state, bar);
  }

  /** Intrabar: the conditions on the forming bar after `trade`; orders fill at the next trade handed in. */
  private evaluateIntrabar(trade: TradeEvent, intervalMs: number): void {
    const state = this.symbolState(trade.symbol);
    const ms = Math.floor(trade.timeUs / 1000);
    const openTime = ms - (ms % intervalMs);
    const { price } = trade;
    const forming = state.forming;
    if (!forming || forming.openTime !== openTime)
      state.forming = { openTime, open: price, high: price, low: price, close: price, signalled: false };
    else {
      forming.high = Math.max(forming.high, price);
      forming.low = Math.min(forming.low, price);
      forming.close = price;
    }
    const now = state.forming;
    if (!now || now.signalled || !state.previous) return;
    const values = new Map(state.previous);
    for (const field of ['open', 'high', 'low', 'close'] as const) values.set(`bar.${field}`, now[field]);
    const bar = { symbol: trade.symbol, openTime, closeTime: openTime + intervalMs - 1, values };
    // fills at the first trade handed in after this one (the same millisecond counts: it comes later)
    if (this.decide(bar, values, ms - 1) > 0) now.signalled = true;
  }

  /** Evaluates the conditions on `now` against the last final bar, queues the orders and signals; how many. */
  private decide(bar: FinalBar, now: BarValues, afterMs: number): number {
    const state = this.symbolState(bar.symbol);
    const { strategy } = this;
    const frame = {
      now,
      previous: state.previous,
      history: (series: string, bars: number) => (state.history.get(series) ?? []).slice(-bars),
    };
    const longs = strategy.direction !== 'short';
    const primary: Side = longs ? 'long' : 'short';
    const entryLong = longs && holds(strategy.entry, frame);
    const exitPrimary = strategy.exit !== undefined && holds(strategy.exit, frame);
    const entryShort =
      strategy.direction === 'short'
        ? holds(strategy.entry, frame)
        : strategy.direction === 'both' &&
          strategy.shortEntry !== undefined &&
          holds(strategy.shortEntry, frame);
    const exitShort =
      strategy.direction === 'short'
        ? exitPrimary
        : strategy.direction === 'both' &&
          strategy.shortExit !== undefined &&
          holds(strategy.shortExit, frame);
    const pending = { entry: null as Side | null, exits: [] as Side[], afterMs };
    const holding = (side: Side) => this.open.some((p) => p.symbol === bar.symbol && p.side === side);
    const exitLong = strategy.direction === 'short' ? false : exitPrimary;
    if (exitLong && (strategy.signalOnly || holding('long'))) pending.exits.push('long');
    if (exitShort && (strategy.signalOnly || holding('short'))) pending.exits.push('short');
    const want: Side | null = primary === 'long' && entryLong ? 'long' : entryShort ? 'short' : null;
    const cooled = state.barsSinceExit > strategy.cooldownBars;
    if (want && cooled && (strategy.signalOnly || this.open.length < strategy.maxOpenPositions))
      pending.entry = want;
    const signalled = [
      ...pending.exits.map((side) => ({ kind: 'exit' as const, side })),
      ...(pending.entry ? [{ kind: 'entry' as const, side: pending.entry }] : []),
    ];
    for (const { kind, side } of signalled) {
      this.signals.push({
        symbol: bar.symbol,
        kind,
        side,
        barOpenTime: bar.openTime,
        barCloseTime: bar.closeTime,
      });
    }
    state.pending = strategy.signalOnly ? { entry: null, exits: [], afterMs } : pending;
    return signalled.length;
  }

  /** The final bar becomes the previous bar of the next evaluation; equity is marked at its close. */
  private remember(state: SymbolState, bar: FinalBar): void {
    for (const [series, value] of bar.values) {
      if (this.window === 0) break;
      const list = state.history.get(series) ?? [];
      list.push(value);
      if (list.length > this.window) list.shift();
      state.history.set(series, list);
    }
    state.previous = bar.values;
    const close = bar.values.get('bar.close');
    if (close !== undefined) this.closes.push({ time: bar.closeTime, close });
    this.recordEquity(bar.closeTime);
  }

  /**
   * A trade, in order: fills the orders queued by the last final bar (intrabar: by an earlier trade), then checks
   * stops and targets; intrabar, then evaluates the conditions on the forming bar.
   */
  onTrade(trade: TradeEvent): void {
    this.fillOrStop(trade);
    if (this.intrabarMs !== null) this.evaluateIntrabar(trade, this.intrabarMs);
  }

  private fillOrStop(trade: TradeEvent): void {
    const state = this.symbolState(trade.symbol);
    state.lastPrice = trade.price;
    state.lastTimeUs = trade.timeUs;
    const ms = Math.floor(trade.timeUs / 1000);
    const { pending } = state;
    if ((pending.entry || pending.exits.length > 0) && ms > pending.afterMs) {
      state.pending = { entry: null, exits: [], afterMs: pending.afterMs };
      for (const side of pending.exits) this.closeWhere(trade.symbol, side, trade, 'signal');
      if (pending.entry && this.open.length < this.strategy.maxOpenPositions)
        this.enter(pending.entry, trade, state);
      return;
    }
    for (const position of [...this.open]) {
      if (position.symbol !== trade.symbol || position.entryTime === ms) continue;
      const s = sign(position.side);
      position.best = s > 0 ? Math.max(position.best, trade.price) : Math.min(position.best, trade.price);
      const reason: ExitReason | null =
        (trade.price - position.stop) * s <= 0
          ? 'stop_loss'
          : (trade.price - position.target) * s >= 0
            ? 'take_profit'
            : (trade.price - (position.best - s * position.trailDistance)) * s <= 0
              ? 'trailing_stop'
              : null;
      if (reason) this.close(position, trade, reason);
    }
  }

  /** End of data: every open position closes at its symbol's last trade price (no slippage), `end_of_data`. */
  finish(): void {
    let last = 0;
    for (const position of [...this.open]) {
      const state = this.symbolState(position.symbol);
      last = Math.max(last, Math.floor(state.lastTimeUs / 1000));
      this.close(
        position,
        { symbol: position.symbol, timeUs: state.lastTimeUs, price: state.lastPrice },
        'end_of_data',
        false,
      );
    }
    if (last > 0) this.recordEquity(last);
  }

  private distance(distance: StrategyDistance | undefined, price: number, atr: number): number {
    if (!distance) return Number.POSITIVE_INFINITY;
    if ('percent' in distance) return (price * distance.percent) / 100;
    return Number.isNaN(atr) ? Number.POSITIVE_INFINITY : distance.atr * atr;
  }

  private enter(side: Side, trade: TradeEvent, state: SymbolState): void {
    const { strategy } = this;
    const s = sign(side);
    const price = trade.price * (1 + (s * strategy.slippageBps) / 10_000);
    const size =
      'quote' in strategy.size
        ? strategy.size.quote / price
        : 'base' in strategy.size
          ? strategy.size.base
          : ((strategy.startingEquity + this.realised) * strategy.size.percentEquity) / 100 / price;
    const entryFee = (price * size * strategy.feeBps) / 10_000;
    this.fills.push({
      seq: ++this.fillSeq,
      symbol: trade.symbol,
      side: side === 'long' ? 'buy' : 'sell',
      position: side,
      size,
      price,
      fee: entryFee,
      time: Math.floor(trade.timeUs / 1000),
      reason: 'entry',
    });
    const stop = this.distance(strategy.stopLoss, price, state.atr);
    const target = this.distance(strategy.takeProfit, price, state.atr);
    this.open.push({
      symbol: trade.symbol,
      side,
      size,
      entryTime: Math.floor(trade.timeUs / 1000),
      entryPrice: price,
      entryFee,
      stop: price - s * stop,
      target: price + s * target,
      trailDistance: this.distance(strategy.trailingStop, price, state.atr),
      best: price,
    });
  }

  private closeWhere(symbol: string, side: Side, trade: TradeEvent, reason: ExitReason): void {
    for (const position of [...this.open])
      if (position.symbol === symbol && position.side === side) this.close(position, trade, reason);
    this.symbolState(symbol).barsSinceExit = 0;
  }

  private close(position: Position, trade: TradeEvent, reason: ExitReason, slip = true): void {
    const s = sign(position.side);
    const price = slip ? trade.price * (1 - (s * this.strategy.slippageBps) / 10_000) : trade.price;
    const exitFee = (price * position.size * this.strategy.feeBps) / 10_000;
    const fees = position.entryFee + exitFee;
    const pnl = (price - position.entryPrice) * position.size * s - fees;
    this.realised += pnl;
    this.fills.push({
      seq: ++this.fillSeq,
      symbol: position.symbol,
      side: position.side === 'long' ? 'sell' : 'buy',
      position: position.side,
      size: position.size,
      price,
      fee: exitFee,
      time: Math.floor(trade.timeUs / 1000),
      reason,
      pnl,
    });
    this.open.splice(this.open.indexOf(position), 1);
    this.symbolState(position.symbol).barsSinceExit = 0;
    this.trades.push({
      symbol: position.symbol,
      side: position.side,
      size: position.size,
      entryTime: position.entryTime,
      exitTime: Math.floor(trade.timeUs / 1000),
      entryPrice: position.entryPrice,
      exitPrice: price,
      fees,
      pnl,
      exitReason: reason,
    });
  }

  /** Equity marked at `time`: starting equity + realised PnL − open entry fees + open PnL at the last closes. */
  private recordEquity(time: number): void {
    let equity = this.strategy.startingEquity + this.realised;
    let net = 0;
    for (const position of this.open) {
      net += position.size * sign(position.side);
      const mark = this.symbolState(position.symbol).previous?.get('bar.close') ?? position.entryPrice;
      equity += (mark - position.entryPrice) * position.size * sign(position.side) - position.entryFee;
    }
    const last = this.equity.at(-1);
    if (last && last.time === time) {
      last.equity = equity;
      last.position = net;
    } else this.equity.push({ time, equity, position: net });
  }
}
