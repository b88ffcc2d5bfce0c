import type { QuoteTick } from '../tick.js';
import type { Page, SymbolRef } from './store.js';

/** One replay run (sql/0003 `replay_runs`): the pipeline reading history into its own namespace. */
export interface ReplayRun {
  readonly namespace: string;
  readonly requestedBy: string | null;
  readonly source: Readonly<Record<string, unknown>>;
  /** ms since epoch, null when open */
  readonly fromTime: number | null;
  readonly toTime: number | null;
  readonly status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly startedAt: number;
  readonly finishedAt: number | null;
}

/** Newest first; `cursor` is the previous page's `nextCursor`. */
export interface ReplayRunQuery {
  readonly limit: number;
  readonly cursor?: string | null;
}

/** Reads the API serves that the store port does not offer (yet): the latest quote and replay runs. */
export interface MarketExtrasReader {
  latestQuote(symbol: SymbolRef): Promise<QuoteTick | null>;
  replayRuns(query: ReplayRunQuery): Promise<Page<ReplayRun>>;
}
