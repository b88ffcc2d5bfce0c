import type { AlertEvent } from '../../schemas/alert-event.js';
import {
  type RuleRuntime,
  STORM_GUARD_MAX_FIRINGS,
  STORM_GUARD_WINDOW_MS,
  type StopReason,
} from './rule-runtime.js';
import type { SeriesPoint } from './series-point.js';
import type { ThresholdValues } from './template.js';

/**
 * Deterministic event id: rule, venue:symbol (a `*` rule fires per symbol), event time and the trigger
 * (trade id, or bar open time + revision + `f` when final). Replaying the same points gives the same ids,
 * so sinks can write alerts idempotently.
 */
export function alertEventId(ruleId: string, point: SeriesPoint): string {
  const trigger = point.trigger;
  const what =
    trigger.kind === 'tick'
      ? `t${trigger.tradeId}`
      : `b${trigger.openTime}r${trigger.revision}${trigger.final ? 'f' : ''}`;
  return `${ruleId}:${point.venue}:${point.symbol}:${point.time}:${what}`;
}

/** The series thresholds' values a fired event reports: the value, or both channel edges. */
const reportedThresholds = (values: ThresholdValues) =>
  Number.isNaN(values.value) ? { lower: values.lower, upper: values.upper } : { value: values.value };

export function firedEvent(
  runtime: RuleRuntime,
  point: SeriesPoint,
  previous: number | null,
  thresholds?: ThresholdValues,
): AlertEvent {
  const rule = runtime.rule;
  return Object.freeze({
    kind: 'fired',
    id: alertEventId(rule.id, point),
    ruleId: rule.id,
    owner: rule.owner,
    venue: point.venue,
    symbol: point.symbol,
    interval: point.interval,
    time: point.time,
    message: runtime.template({ point, previous, thresholds: thresholds ?? null }),
    source: rule.source,
    condition: rule.condition,
    previous,
    current: point.value,
    ...(thresholds ? { thresholds: Object.freeze(reportedThresholds(thresholds)) } : {}),
    trigger: point.trigger,
    sourcePosition: point.sourcePosition,
  });
}

function explain(runtime: RuleRuntime, reason: StopReason): string {
  const id = runtime.rule.id;
  switch (reason) {
    case 'fired_once':
      return `rule "${id}" fired once and is now stopped (frequency: only once)`;
    case 'expired':
      return `rule "${id}" expired at ${new Date(runtime.rule.expiresAt ?? 0).toISOString()} and is now stopped`;
    case 'storm_guard':
      return (
        `rule "${id}" was stopped by the storm guard: it would have fired more than ${STORM_GUARD_MAX_FIRINGS} ` +
        `times within ${STORM_GUARD_WINDOW_MS / 60_000} minutes; change it (e.g. add a cooldown) to resume`
      );
  }
}

export function stoppedEvent(runtime: RuleRuntime, reason: StopReason, point: SeriesPoint): AlertEvent {
  const rule = runtime.rule;
  return Object.freeze({
    kind: 'stopped',
    id: `${alertEventId(rule.id, point)}:${reason}`,
    ruleId: rule.id,
    owner: rule.owner,
    venue: point.venue,
    symbol: point.symbol,
    interval: point.interval,
    time: point.time,
    reason,
    message: explain(runtime, reason),
  });
}
