import type { StrategySignal } from '../strategy-signal.js';

/**
 * The strategy signals an owner's strategies would have emitted over a past range (signals are not stored):
 * the strategy run again over the recorded raw trades, with no side effect. Used by the automation dry-run.
 */
export interface SignalHistory {
  /** `strategy`: a strategy id or name of the owner; undefined = every strategy of the owner */
  signals(
    owner: string,
    strategy: string | undefined,
    range: { readonly from: number; readonly to: number },
  ): Promise<readonly StrategySignal[]>;
}
