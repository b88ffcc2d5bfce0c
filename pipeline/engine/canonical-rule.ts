import type { AlertCondition, AlertRule, AlertSeries, AlertThreshold } from '../../schemas/alert-rule.js';
import { NexuralError } from '../../schemas/errors.js';
import { parseIndicatorSpec } from '../indicators/registry.js';

/**
 * The rule as the engine runs it: every indicator series it names (source and series thresholds) is a registry
 * indicator with that output, its spec canonical (`rsi` → `rsi(14)`). Throws NXR_RULE_INVALID naming the path
 * otherwise. The MarketEngine applies it to every rule; an API can apply it first to answer 400.
 */
export function canonicalRule(rule: AlertRule): AlertRule {
  return {
    ...rule,
    source: canonicalSeries(rule.id, rule.source, ['source']),
    condition: canonicalCondition(rule.id, rule.condition),
  };
}

function canonicalCondition(ruleId: string, condition: AlertCondition): AlertCondition {
  const threshold = (value: AlertThreshold, edge: string): AlertThreshold =>
    typeof value === 'number' ? value : canonicalSeries(ruleId, value, ['condition', edge]);
  if ('value' in condition) return { ...condition, value: threshold(condition.value, 'value') };
  if ('lower' in condition) {
    return {
      ...condition,
      lower: threshold(condition.lower, 'lower'),
      upper: threshold(condition.upper, 'upper'),
    };
  }
  return condition;
}

function canonicalSeries(ruleId: string, series: AlertSeries, path: readonly string[]): AlertSeries {
  if (series.kind !== 'indicator') return series;
  const { spec, outputs } = parseIndicatorSpec(series.spec);
  if (!outputs.includes(series.output)) {
    throw new NexuralError(
      'NXR_RULE_INVALID',
      `rule ${ruleId}: ${spec} has no output "${series.output}"; outputs: ${outputs.join(', ')}`,
      { path: [...path, 'output'] },
    );
  }
  return { ...series, spec };
}
