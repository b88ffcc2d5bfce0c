import type { Strategy } from '../strategy.js';

/** A user's strategy as stored (table strategies, sql/0003 + sql/0013). */
export interface StoredStrategy {
  readonly id: string;
  readonly owner: string;
  readonly strategy: Strategy;
  /** false = the live consumer leaves it alone */
  readonly enabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One paper fill as stored (strategy_trades). `seq` numbers the strategy's fills from 1. */
export interface StoredFill {
  readonly strategyId: string;
  readonly owner: string;
  readonly seq: number;
  readonly time: number;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly positionSide: 'long' | 'short';
  readonly quantity: number;
  readonly price: number;
  readonly fee: number;
  /** entry, signal, stop_loss, take_profit, trailing_stop, end_of_data */
  readonly reason: string;
  /** exit fills: the round trip's PnL net of both fees */
  readonly pnl: number | null;
}

export interface EquityPoint {
  readonly time: number;
  readonly equity: number;
  /** base quantity held, negative = short */
  readonly position: number;
}

/** Where the live consumer stopped: its state (JSON) and the last offset taken in per `topic/partition`. */
export interface StrategyCheckpoint {
  readonly state: string;
  readonly offsets: Readonly<Record<string, string>>;
  /** the open positions in that state (what the API shows) */
  readonly positions: readonly OpenPositionRow[];
}

export interface OpenPositionRow {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly size: number;
  /** ms */
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly entryFee: number;
}

/**
 * Strategies per user and what the live strategy consumer writes. Reads and writes of a user's rows take the
 * owner and filter by it (the tables also carry row-level security for requests and analysts, sql/0005).
 */
export interface StrategyStore {
  /** Creates or replaces; refuses (NXR_CONFLICT) an id another owner holds. */
  putStrategy(input: {
    readonly id: string;
    readonly owner: string;
    readonly strategy: Strategy;
    readonly enabled: boolean;
  }): Promise<StoredStrategy>;
  getStrategy(owner: string, id: string): Promise<StoredStrategy | null>;
  listStrategies(owner: string): Promise<readonly StoredStrategy[]>;
  /** Deletes the strategy with its fills, equity and state; false if the owner has none by that id. */
  deleteStrategy(owner: string, id: string): Promise<boolean>;
  /** Every owner's enabled strategies (the live consumer's list). */
  enabledStrategies(): Promise<readonly StoredStrategy[]>;

  /** Writes fills; a fill already stored (same strategy, seq, time) is left as it is. */
  recordFills(fills: readonly StoredFill[]): Promise<void>;
  /** Writes equity points (a point at a time already stored replaces it). */
  recordEquity(strategyId: string, owner: string, points: readonly EquityPoint[]): Promise<void>;
  saveCheckpoint(strategyId: string, owner: string, checkpoint: StrategyCheckpoint): Promise<void>;
  loadCheckpoint(strategyId: string): Promise<StrategyCheckpoint | null>;
  /** The owner's open positions of the strategy as last saved by the live consumer ([] if none). */
  positions(owner: string, id: string): Promise<readonly OpenPositionRow[]>;

  /** Fills in [from, to) by time, oldest first, at most `limit`. */
  fills(
    owner: string,
    id: string,
    range: { readonly from: number; readonly to: number; readonly limit: number },
  ): Promise<readonly StoredFill[]>;
  equity(
    owner: string,
    id: string,
    range: { readonly from: number; readonly to: number; readonly limit: number },
  ): Promise<readonly EquityPoint[]>;
}
