import { z } from 'zod';

export const backoffSchema = z
  .object({
    baseMs: z.number().int().min(1).default(500).describe('first reconnect waits up to this long'),
    maxMs: z.number().int().min(1).default(30_000).describe('no reconnect waits longer than this'),
  })
  .refine((backoff) => backoff.maxMs >= backoff.baseMs, {
    error: 'maxMs must be >= baseMs',
    path: ['maxMs'],
  })
  .describe('exponential backoff with full jitter between reconnects');

export type Backoff = z.output<typeof backoffSchema>;

/**
 * Full jitter: a uniform wait in [0, min(max, base · 2^attempt)). Spreading clients over the whole window,
 * rather than around the exponential step, keeps a fleet that lost the exchange at once from coming back
 * at once (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
 */
export function fullJitterDelay(
  attempt: number,
  backoff: Backoff,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
