import { toOutputs } from '../../pipeline/indicators/indicator.js';
import { createIndicator, parseIndicatorSpec } from '../../pipeline/indicators/registry.js';
import type { Bar } from '../../schemas/bar.js';
import { NexuralError } from '../../schemas/errors.js';
import { intervalOf } from '../../schemas/interval.js';
import type { SeriesKey, StoreReader } from '../../schemas/ports/store.js';

export interface ComputeQuery {
  readonly from: number;
  readonly to: number;
  readonly spec: string;
  /** bars read before `from` to warm the indicator up (time intervals only) */
  readonly warmup: number;
}

export interface ComputedIndicator {
  readonly spec: string;
  readonly outputs: readonly string[];
  readonly items: readonly {
    readonly openTime: number;
    readonly outputs: Readonly<Record<string, number>>;
    readonly final: boolean;
  }[];
  readonly warm: boolean;
}

/** Most bars one computation reads (warm-up included): bounds the time and memory one request can take. */
export const MAX_COMPUTE_BARS = 50_000;
const PAGE = 10_000;

async function readBars(store: StoreReader, series: SeriesKey, from: number, to: number): Promise<Bar[]> {
  const bars: Bar[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.bars({ ...series, from, to, limit: PAGE, cursor });
    bars.push(...page.items);
    if (bars.length > MAX_COMPUTE_BARS) {
      throw new NexuralError(
        'NXR_BAD_VALUE',
        `the range holds more than ${MAX_COMPUTE_BARS} bars (warm-up included); ask for a shorter one`,
        { path: ['from'] },
      );
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  return bars;
}

/**
 * Any registry indicator over the stored bars of a series, computed on request with the same streaming
 * code the pipeline runs. Time intervals read `warmup` bars before `from` so values at `from` match a
 * pipeline that has been running; activity bars (100t, 10v…) have no fixed length and start cold at `from`.
 */
export async function computeIndicator(
  store: StoreReader,
  series: SeriesKey,
  query: ComputeQuery,
): Promise<ComputedIndicator> {
  const parsed = parseIndicatorSpec(query.spec);
  const interval = intervalOf(series.interval);
  const readFrom =
    interval.kind === 'time' ? Math.max(0, query.from - query.warmup * interval.ms) : query.from;
  const bars = await readBars(store, series, readFrom, query.to);
  const indicator = createIndicator(parsed);
  const items: ComputedIndicator['items'][number][] = [];
  let before = 0;
  for (const bar of bars) {
    const result = indicator.add(bar);
    if (bar.openTime < query.from) before += 1;
    else if (result !== null)
      items.push({ openTime: bar.openTime, outputs: toOutputs(result), final: bar.final });
  }
  const warm = interval.kind === 'time' ? before >= query.warmup : bars.length === 0 || items.length > 0;
  return { spec: parsed.spec, outputs: parsed.outputs, items, warm };
}
