export {
  type AlertEngineSnapshot,
  alertEngineSnapshotSchema,
} from './alert-snapshot.js';
export type { Extremes } from './bar-close-history.js';
export type { IndexStats } from './condition-index.js';
export { AlertEngine, type EngineStats, type RuleState, type Subscription } from './engine.js';
export { alertEventId } from './events.js';
export { conditionHolds, operatorLabel, thresholdLabel } from './operators.js';
export {
  parseAlertRule,
  type RuleStatus,
  STORM_GUARD_MAX_FIRINGS,
  STORM_GUARD_WINDOW_MS,
  type StopReason,
} from './rule-runtime.js';
export {
  type AlertTrigger,
  type PointBar,
  PRICE_SERIES,
  type SeriesPoint,
  seriesOf,
} from './series-point.js';
export { compileTemplate, TEMPLATE_PLACEHOLDERS } from './template.js';
