import type { QuoteTick } from '../tick.js';
import type { Page, SymbolRef } from './store.js';

/** Reads the API serves that the store port does not offer (yet): the latest quote. */
export interface MarketExtrasReader {
  latestQuote(symbol: SymbolRef): Promise<QuoteTick | null>;
}

/** One replay run: the pipeline re-reading a range of raw trades into a namespace of its own. */
export interface ReplayRun {
  /** run name = namespace of its derived topics (`topicNames(namespace)`) */
  readonly namespace: string;
  readonly status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** what was asked and the raw-topic range it resolved to */
  readonly source: Readonly<Record<string, unknown>>;
  /** first and last (exclusive) event time replayed, ms; null when open-ended */
  readonly fromTime: number | null;
  readonly toTime: number | null;
  /** input records read */
  readonly recordsIn: number;
  /** derived records written (bars, indicator values, alerts, dead letters) */
  readonly recordsOut: number;
  /** wall clock, ms since epoch */
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly error: string | null;
}

/** Newest first; `cursor` is the previous page's `nextCursor`. */
export interface ReplayRunQuery {
  readonly limit: number;
  readonly cursor?: string | null;
}

export interface ReplayRunReader {
  replayRuns(query: ReplayRunQuery): Promise<Page<ReplayRun>>;
}
