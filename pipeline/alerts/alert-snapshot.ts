import { z } from 'zod';
import { alertRuleSchema } from '../../schemas/alert-rule.js';
import { STORM_GUARD_MAX_FIRINGS } from './rule-runtime.js';
import { seriesGroupSnapshotSchema } from './series-frames.js';

/*
 * The alert engine's state as plain data: each rule with its firing state, and what the engine remembers of
 * every series it watches. Indexes, books and expiry queues are not state: they are rebuilt from the active
 * rules. Times that mean "never" in the engine (NaN, −∞) are null here.
 */

const float64s = z.instanceof(Float64Array);

/** The closes of one series: the ring's newest values and which look-back windows exist. */
export const closeHistorySnapshotSchema = z
  .object({
    count: z.number().int().min(0).describe('closes pushed so far'),
    capacity: z.number().int().min(1).describe('length of the ring of recent closes'),
    recent: float64s.describe('the closes the ring holds, oldest first'),
    windows: z.array(z.number().int().min(1)).describe('look-back lengths some moving_* rule asked for'),
  })
  .refine((history) => history.recent.length <= Math.min(history.capacity, history.count), {
    error: 'recent holds more closes than the ring or the count',
    path: ['recent'],
  })
  .refine((history) => history.windows.every((bars) => bars <= history.capacity), {
    error: 'a window is longer than the ring',
    path: ['windows'],
  });

/** Firing history of a rule on one venue:symbol. */
const instanceSnapshotSchema = z.object({
  key: z.string().describe('venue:symbol'),
  lastBarOpenTime: z.number(),
  lastBarSeq: z.number().int().min(0).default(0).describe('seq of that bar (activity bars; 0 otherwise)'),
  lastFiredTime: z.number(),
});

export const ruleSnapshotSchema = z.object({
  rule: alertRuleSchema,
  status: z.enum(['active', 'disabled', 'stopped']),
  stopReason: z.enum(['storm_guard', 'fired_once', 'expired']).nullable(),
  instances: z.array(instanceSnapshotSchema).describe('venue:symbols it fired on, first firing first'),
  firingTimes: float64s
    .refine((times) => times.length === STORM_GUARD_MAX_FIRINGS, {
      error: `must hold ${STORM_GUARD_MAX_FIRINGS} times`,
    })
    .nullable()
    .describe('ring of the last firing times (storm guard), null before the first firing'),
  firings: z.number().int().min(0),
});

/** What the engine remembers of one venue:symbol on one (series, interval). */
export const alertSeriesSnapshotSchema = z.object({
  series: z.string(),
  interval: z.string(),
  symbol: z.string(),
  venue: z.string(),
  last: z.number().nullable(),
  lastFinal: z.number().nullable(),
  lastFinalOpenTime: z.number().nullable(),
  lastFinalSeq: z.number().int().min(0).default(0).describe('seq of the last final bar (activity bars)'),
  closes: closeHistorySnapshotSchema,
});

export const alertEngineSnapshotSchema = z.object({
  rules: z
    .array(ruleSnapshotSchema)
    .describe('every rule the engine holds, active or not, in insertion order'),
  series: z.array(alertSeriesSnapshotSchema),
  seriesGroups: z
    .array(seriesGroupSnapshotSchema)
    .default([])
    .describe('per venue:symbol, the last values each series-threshold rule group compared'),
});

export type CloseHistorySnapshot = z.output<typeof closeHistorySnapshotSchema>;
export type RuleSnapshot = z.output<typeof ruleSnapshotSchema>;
export type AlertSeriesSnapshot = z.output<typeof alertSeriesSnapshotSchema>;
export type AlertEngineSnapshot = z.output<typeof alertEngineSnapshotSchema>;
