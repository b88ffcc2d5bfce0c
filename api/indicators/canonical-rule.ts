import { parseIndicatorSpec } from '../../pipeline/indicators/registry.js';
import type { AlertRule } from '../../schemas/alert-rule.js';
import { NexuralError } from '../../schemas/errors.js';

/**
 * The rule as the engine will run it: an indicator source names a registry indicator and one of its outputs,
 * its spec canonical (`rsi` → `rsi(14)`). The same checks as MarketEngine.upsertRule, made here so a bad rule
 * is a 400 to its author instead of a dead letter in the pipeline.
 */
export function canonicalRule(rule: AlertRule): AlertRule {
  if (rule.source.kind !== 'indicator') return rule;
  const { spec, outputs } = parseIndicatorSpec(rule.source.spec);
  if (!outputs.includes(rule.source.output)) {
    throw new NexuralError(
      'NXR_RULE_INVALID',
      `${spec} has no output "${rule.source.output}"; outputs: ${outputs.join(', ')}`,
      { path: ['source', 'output'] },
    );
  }
  return { ...rule, source: { ...rule.source, spec } };
}
