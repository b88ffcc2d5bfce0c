import type { AlertEvent } from '../alert-event.js';
import type { AlertRule } from '../alert-rule.js';

/** What history a rule test ran on, per symbol. */
export interface RuleTestSymbol {
  readonly venue: string;
  readonly symbol: string;
  /** trades: the stored trades; bars: stored 1m bars replayed as O→H/L→L/H→C ticks (no trades stored); none */
  readonly input: 'trades' | 'bars' | 'none';
  /** ticks fed to the engine */
  readonly ticks: number;
  /** the history tested, [from, to) in ms; null when the symbol has no stored data */
  readonly from: number | null;
  readonly to: number | null;
}

export interface RuleTestResult {
  /** the alerts the rule would have fired, by time */
  readonly events: readonly AlertEvent[];
  readonly symbols: readonly RuleTestSymbol[];
  /** true when the history exceeded the tester's tick or alert budget: the events are a prefix */
  readonly truncated: boolean;
}

/**
 * Runs one rule over stored history through the engine the live pipeline runs (a backtest of an alert rule).
 * The rule is validated and canonical (its owner is the caller). `[from, to)` in ms since epoch; a missing `to`
 * is the end of each symbol's stored data, a missing `from` 24 h before `to`.
 */
export interface RuleTester {
  test(rule: AlertRule, range: RuleTestRange): Promise<RuleTestResult>;
}

export interface RuleTestRange {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}
