import { z } from 'zod';
import { barAggregatorOptionsSchema } from '../bars/bar-options.js';

/** What one MarketEngine computes. Validated once at the edge; `parseEngineConfig` names a bad path. */
export const engineConfigSchema = z
  .object({
    bars: barAggregatorOptionsSchema.describe('bar intervals and event-time policies'),
    indicators: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'indicator specs computed for every symbol and interval on each final bar, e.g. ["sma(20)", "rsi(14)"]',
      ),
    liveBarThrottleMs: z
      .number()
      .int()
      .min(-1)
      .default(0)
      .describe(
        'forming-bar updates: 0 = every update, N > 0 = at most one per N ms of event time per series (plus the first update of each bar), -1 = none (final bars only)',
      ),
  })
  .describe('MarketEngine configuration');

export type EngineConfig = z.output<typeof engineConfigSchema>;
export type EngineConfigInput = z.input<typeof engineConfigSchema>;
