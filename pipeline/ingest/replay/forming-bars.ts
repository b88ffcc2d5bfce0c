import { z } from 'zod';
import { NexuralError } from '../../../schemas/errors.js';

/**
 * What a replay writes of its bars while they form, besides every final bar (and revision):
 * `all` every forming update, `none` no forming update, N (ms) at most one forming update per N ms of event
 * time per series plus each bar's first (the engine's `liveBarThrottleMs`).
 */
export type FormingBars = 'all' | 'none' | number;

const expected = 'expected all, none, or a whole number of ms of event time (e.g. 1000)';

/** `--forming-bars all|none|N`: the words, or N ms as a number or its decimal text. */
export const formingBarsSchema = z
  .union([z.string(), z.number()], { error: expected })
  .transform((value, context): FormingBars => {
    if (value === 'all' || value === 'none') return value;
    const ms = typeof value === 'number' ? value : /^[1-9]\d{0,8}$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isSafeInteger(ms) && ms > 0) return ms;
    context.addIssue({ code: 'custom', message: expected });
    return z.NEVER;
  })
  .describe(
    'forming-bar updates on the run’s bars topic: all, none (final bars only), or at most one per N ms of event time per series; default none at --speed max, 1000 when paced',
  );

/**
 * A replay as fast as possible is read for its final bars, indicator values and alerts (backtests,
 * research): none. A paced replay is watched as its bars form: one update a second of event time per
 * series, as `nexural run` writes them live.
 */
export const defaultFormingBars = (speed: number): FormingBars => (Number.isFinite(speed) ? 1000 : 'none');

/** A replay request's choice, checked: NXR_CONFIG_INVALID names the value it was given. */
export function parseFormingBars(value: unknown): FormingBars {
  const parsed = formingBarsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new NexuralError('NXR_CONFIG_INVALID', `formingBars ${JSON.stringify(value)}: ${expected}`, {
    option: 'formingBars',
    value: String(value),
  });
}

/** The engine's `liveBarThrottleMs` for a choice: 0 every update, -1 none, N ms. */
export const liveBarThrottleMsOf = (choice: FormingBars): number =>
  choice === 'all' ? 0 : choice === 'none' ? -1 : choice;

/** As a run's manifest records it: `all`, `none` or the ms as text. */
export const formingBarsText = (choice: FormingBars): string => String(choice);
