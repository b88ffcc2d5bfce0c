import { z } from 'zod';
import { NexuralError } from '../../schemas/errors.js';
import { intervalSchema } from '../../schemas/interval.js';
import type { TradeTick } from '../../schemas/tick.js';
import { describeIssues } from '../../schemas/validate.js';
import type { BarView } from './bar-state.js';

export const barAggregatorOptionsSchema = z
  .object({
    intervals: z
      .array(intervalSchema)
      .min(1)
      .refine((labels) => new Set(labels).size === labels.length, { error: 'intervals must be distinct' })
      .describe(
        'bar intervals built from one tick stream, e.g. ["1s", "1m", "1h", "100t", "10v", "1000000q"]',
      ),
    allowedLatenessMs: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        'watermark = max event time seen for the symbol − this; a time bar is final once the watermark passes its close',
      ),
    graceMs: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        'a final bar stays revisable while the watermark is at most this far past its close: a tick for it is applied and the bar re-emitted (final, revision + 1); later ticks go to the late output',
      ),
    firstBar: z
      .enum(['skip', 'keep'])
      .default('skip')
      .describe(
        'skip: never emit the first time bar of each symbol/interval (the aggregator joined mid-bar); keep: emit it (files holding complete history)',
      ),
    emptyIntervals: z
      .enum(['flat', 'skip'])
      .default('flat')
      .describe(
        'flat: an interval without trades is a bar at the previous close with volume 0 and trades 0 (Binance klines); skip: no bar',
      ),
    maxFlatBars: z
      .number()
      .int()
      .min(0)
      .default(1440)
      .describe(
        'emptyIntervals flat: at most this many flat bars follow a bar with trades; a longer gap (a weekend, a quiet symbol, a jump in event time) is not filled, and the next bar carries jumpedFrom (the open time of the bar before it)',
      ),
    liveUpdates: z
      .boolean()
      .default(true)
      .describe(
        'emit every change of a forming bar (final: false); false = final bars and their revisions only',
      ),
  })
  .describe('BarAggregator options');

export type BarAggregatorOptions = Readonly<z.output<typeof barAggregatorOptionsSchema>>;
export type BarAggregatorOptionsInput = z.input<typeof barAggregatorOptionsSchema>;

/** Validates options once; a bad value throws NXR_CONFIG_INVALID naming its path. */
export function parseBarAggregatorOptions(input: BarAggregatorOptionsInput): BarAggregatorOptions {
  const result = barAggregatorOptionsSchema.safeParse(input);
  if (result.success) return Object.freeze(result.data);
  throw new NexuralError('NXR_CONFIG_INVALID', `invalid bar options: ${describeIssues(result.error)}`, {
    issues: result.error.issues.map((issue) => issue.path.join('.')),
  });
}

/** A tick that came after its bar's grace period: nothing was changed. */
export interface LateTick {
  readonly code: 'NXR_LATE_TICK';
  readonly tick: TradeTick;
  readonly interval: string;
  readonly barOpenTime: number;
  /** the symbol's watermark when the tick arrived, ms */
  readonly watermark: number;
  readonly reason: string;
}

/**
 * Where bars go. Called synchronously, in a deterministic order: for each tick, first the bars its
 * watermark advance made final (interval by interval, oldest first), then its own update per interval.
 */
export interface BarSink {
  /** A bar changed, became final, or was revised; `bar` is only valid during the call (see BarView). */
  bar(bar: BarView): void;
  late(late: LateTick): void;
}
