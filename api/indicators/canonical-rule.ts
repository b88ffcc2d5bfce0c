import { parseIndicatorSpec } from '../../pipeline/indicators/registry.js';
import type { AlertRule, AlertSeries, AlertThreshold } from '../../schemas/alert-rule.js';
import { NexuralError } from '../../schemas/errors.js';

/**
 * The rule as the engine will run it: every indicator series (its source and any series threshold) names a
 * registry indicator and one of its outputs, its spec canonical (`rsi` → `rsi(14)`). The same checks as
 * MarketEngine.upsertRule, made here so a bad rule is a 400 to its author instead of a dead letter in the
 * pipeline.
 */
export function canonicalRule(rule: AlertRule): AlertRule {
  const condition: Record<string, unknown> = { ...rule.condition };
  for (const edge of ['value', 'lower', 'upper'] as const) {
    const threshold = condition[edge] as AlertThreshold | undefined;
    if (typeof threshold === 'object') condition[edge] = canonicalSeries(threshold, ['condition', edge]);
  }
  return {
    ...rule,
    source: canonicalSeries(rule.source, ['source']),
    condition: condition as AlertRule['condition'],
  };
}

function canonicalSeries<Series extends AlertSeries>(series: Series, path: readonly string[]): Series {
  if (series.kind !== 'indicator') return series;
  let parsed: ReturnType<typeof parseIndicatorSpec>;
  try {
    parsed = parseIndicatorSpec(series.spec);
  } catch (error) {
    if (!(error instanceof NexuralError)) throw error;
    throw new NexuralError(error.code, error.message, { ...error.details, path: [...path, 'spec'] });
  }
  if (!parsed.outputs.includes(series.output)) {
    throw new NexuralError(
      'NXR_RULE_INVALID',
      `${parsed.spec} has no output "${series.output}"; outputs: ${parsed.outputs.join(', ')}`,
      { path: [...path, 'output'] },
    );
  }
  return { ...series, spec: parsed.spec };
}
