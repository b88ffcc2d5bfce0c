import { z } from 'zod';
import { intervalSchema } from './interval.js';
import { epochMsSchema, symbolSchema, venueSchema } from './market.js';

export const indicatorSpecSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z][a-z0-9_]*(\([^()]*\))?$/, {
    error: 'indicator spec must look like rsi(14) or macd(12,26,9)',
  })
  .describe('indicator spec in registry syntax, e.g. rsi(14), macd(12,26,9), bbands(20,2)');

/** One indicator reading on one bar. Single-output indicators use the output name `value`. */
export const indicatorValueSchema = z
  .object({
    venue: venueSchema,
    symbol: symbolSchema,
    interval: intervalSchema,
    openTime: epochMsSchema.describe('open time of the bar the value was computed on'),
    seq: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("the bar's seq (activity bars opening in the same ms); absent = 0"),
    spec: indicatorSpecSchema,
    outputs: z
      .record(
        z.string().min(1),
        z.number().refine(Number.isFinite, { error: 'indicator output must be finite' }),
      )
      .describe('named outputs, e.g. {value} or {macd, signal, hist}'),
    final: z.boolean().describe('true when computed on a final bar; false for the forming bar'),
  })
  .readonly()
  .describe('an indicator value');

export type IndicatorValue = z.infer<typeof indicatorValueSchema>;
