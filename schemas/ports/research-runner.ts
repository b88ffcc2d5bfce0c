import type { Strategy } from '../strategy.js';

/** Where a backtest or replay started by an automation step put its output (recorded as the step's response). */
export type ResearchRunResponse = Readonly<Record<string, string | number | null>>;

/**
 * Starts research runs for automation steps. `key` is the step's idempotency key (trigger event + step): the
 * same key names the same run (its run id and output directory), so a repeated step writes the same output
 * again instead of starting a second run.
 */
export interface ResearchRunner {
  /** the strategy over [from, to) of the raw trades topic (`nexural backtest --from/--to`) */
  backtest(request: {
    readonly key: string;
    readonly strategy: Strategy;
    readonly from: string;
    readonly to?: string;
    /** aborted when the step's time limit is up: the run stops and rejects */
    readonly signal: AbortSignal;
  }): Promise<ResearchRunResponse>;
  /** the live processor over [from, to) of the raw trades topic into the run's own topics (`nexural replay`) */
  replay(request: {
    readonly key: string;
    readonly from: string;
    readonly to?: string;
    readonly symbols: readonly string[];
    readonly signal: AbortSignal;
  }): Promise<ResearchRunResponse>;
}

/** A run id from an idempotency key: lowercase letters, digits, _ and - (a replay's topic namespace). */
export const researchRunIdOf = (key: string): string =>
  `auto-${key
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .slice(-57)}`.replace(/-+$/, '');
