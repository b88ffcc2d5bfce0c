import { z } from 'zod';
import { intervalSchema } from './interval.js';
import { epochMsSchema, symbolSchema, venueSchema } from './market.js';
import { LIVE_NAMESPACE } from './topics.js';

/**
 * An entry or exit signal of a live strategy, on the strategy-signals topic (keyed `venue:symbol`). The bot and
 * the automation suite read it. Delivery is at-least-once: `id` is deterministic, a reader deduplicates on it.
 */
export const strategySignalSchema = z
  .object({
    id: z.string().min(1).max(300).describe('<strategy id>:<symbol>:<bar open time>:<kind>:<side>'),
    strategyId: z.string().min(1).describe('the strategy (strategies.id)'),
    owner: z.string().min(1).describe('user id owning the strategy'),
    name: z.string().min(1).describe('the strategy name'),
    venue: venueSchema,
    symbol: symbolSchema,
    interval: intervalSchema,
    kind: z.enum(['entry', 'exit']).describe('opens or closes a position'),
    side: z.enum(['long', 'short']).describe('the side of the position'),
    barOpenTime: epochMsSchema.describe('open time of the final bar the conditions held on'),
    barCloseTime: epochMsSchema.describe('close time (inclusive) of that bar; the order fills after it'),
    signalOnly: z.boolean().describe('the strategy only signals (no paper positions)'),
  })
  .readonly()
  .describe('a strategy entry/exit signal');

export type StrategySignal = z.infer<typeof strategySignalSchema>;

/** The strategy-signals topic of a namespace (live: nexural.strategy-signals). */
export const strategySignalsTopic = (namespace: string = LIVE_NAMESPACE): string =>
  namespace === LIVE_NAMESPACE ? 'nexural.strategy-signals' : `nexural.run.${namespace}.strategy-signals`;
