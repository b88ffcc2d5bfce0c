import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS } from '../../schemas/market.js';

interface ListRangeQuery {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly order?: 'asc' | 'desc' | undefined;
}

/**
 * The store range of a list route: a missing end is the end of the data. Without `from` a client asks for
 * "the latest", so the newest come first; with it, it reads forward from there.
 */
export function listRange(query: ListRangeQuery): { from: number; to: number; order: 'asc' | 'desc' } {
  return {
    from: query.from ?? MIN_EVENT_TIME_MS,
    to: query.to ?? MAX_EVENT_TIME_MS,
    order: query.order ?? (query.from === undefined ? 'desc' : 'asc'),
  };
}

/** A range cut at a delayed plan's cutoff (exclusive bar open time); null = real time, unchanged. */
export function delayedRange<Range extends { readonly to: number }>(
  range: Range,
  cutoff: number | null,
): Range {
  return cutoff === null || range.to <= cutoff ? range : { ...range, to: cutoff };
}
