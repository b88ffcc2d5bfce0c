import { NexuralError } from '../../../schemas/errors.js';
import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS } from '../../../schemas/market.js';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';

/** One end of a replay range as the user wrote it. */
export type RangeBound =
  | { readonly kind: 'open' }
  /** event time (ms): trades are kept by the time they happened, not when they were logged */
  | { readonly kind: 'time'; readonly ms: number }
  /** the same offset in every partition */
  | { readonly kind: 'offset'; readonly offset: bigint }
  /** per partition: `0:1200,1:900` (partitions not named: the topic's start or end) */
  | { readonly kind: 'offsets'; readonly offsets: ReadonlyMap<number, bigint> };

const isoWithZone = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** `--from`/`--to`: an ISO 8601 time with a zone (or a date, UTC), an offset, or partition:offset pairs. */
export function parseBound(text: string | undefined, option: string): RangeBound {
  if (text === undefined || text === '') return { kind: 'open' };
  const value = text.trim();
  if (/^\d+$/.test(value)) return { kind: 'offset', offset: BigInt(value) };
  if (/^\d+:\d+(,\d+:\d+)*$/.test(value)) {
    const offsets = new Map<number, bigint>();
    for (const pair of value.split(',')) {
      const [partition = '', offset = ''] = pair.split(':');
      offsets.set(Number(partition), BigInt(offset));
    }
    return { kind: 'offsets', offsets };
  }
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms =
    dateOnly || isoWithZone.test(value) ? Date.parse(dateOnly ? `${value}T00:00:00Z` : value) : Number.NaN;
  if (Number.isNaN(ms) || ms < MIN_EVENT_TIME_MS || ms > MAX_EVENT_TIME_MS) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `${option} "${text}" is neither an ISO 8601 time with a zone (2024-08-08T23:55:00Z), an offset (1200), nor partition:offset pairs (0:1200,1:900)`,
      { option, value: text },
    );
  }
  return { kind: 'time', ms };
}

/** What a replay reads: per partition [start, end) of the raw topic, then kept by event time and symbol. */
export interface ResolvedRange {
  readonly topic: string;
  readonly partitions: readonly {
    readonly partition: number;
    readonly start: bigint;
    readonly end: bigint;
  }[];
  /** event-time bounds, µs: from inclusive, to exclusive; null = unbounded */
  readonly fromUs: number | null;
  readonly toUs: number | null;
  /** `venue:symbol` or `symbol`, sorted; empty = every symbol */
  readonly symbols: readonly string[];
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * Turns the bounds into fixed offsets, as of now: an open end is the topic's end at this moment, so the
 * range never grows while the replay runs (new live trades are not part of it). A time start seeks with
 * the log's record timestamps (written at or after the event, so no trade of the range is before it);
 * times are then applied exactly to each trade's own event time.
 */
export async function resolveRange(
  log: StreamLog,
  topic: string,
  from: RangeBound,
  to: RangeBound,
  symbols: readonly string[],
): Promise<ResolvedRange> {
  const ranges = await log.admin.partitionRanges(topic);
  const byTime = from.kind === 'time' ? await log.admin.offsetsForTimes(topic, from.ms) : [];
  const partitions = ranges.map(({ partition, low, high }) => {
    const lowest = BigInt(low);
    const highest = BigInt(high);
    let start = lowest;
    if (from.kind === 'offset') start = max(lowest, from.offset);
    if (from.kind === 'offsets') start = max(lowest, from.offsets.get(partition) ?? lowest);
    if (from.kind === 'time')
      start = max(lowest, BigInt(byTime.find((p) => p.partition === partition)?.offset ?? low));
    let end = highest;
    if (to.kind === 'offset') end = min(highest, to.offset);
    if (to.kind === 'offsets') end = min(highest, to.offsets.get(partition) ?? highest);
    return { partition, start: min(start, end), end };
  });
  const fromUs = from.kind === 'time' ? from.ms * 1000 : null;
  const toUs = to.kind === 'time' ? to.ms * 1000 : null;
  if (fromUs !== null && toUs !== null && toUs <= fromUs) {
    throw new NexuralError('NXR_CONFIG_INVALID', '--to must be after --from', { fromUs, toUs });
  }
  return { topic, partitions, fromUs, toUs, symbols: [...new Set(symbols)].sort() };
}

export const rangeSize = (range: ResolvedRange): number =>
  range.partitions.reduce((sum, { start, end }) => sum + Number(end - start), 0);
