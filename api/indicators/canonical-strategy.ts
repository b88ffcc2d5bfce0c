import { parseIndicatorSpec } from '../../pipeline/indicators/registry.js';
import type { AlertSeries } from '../../schemas/alert-rule.js';
import { NexuralError } from '../../schemas/errors.js';
import type { Strategy, StrategyCondition } from '../../schemas/strategy.js';

const sides = ['entry', 'exit', 'shortEntry', 'shortExit'] as const;

/**
 * The strategy as the live consumer runs it: every indicator series names a registry indicator and one of its
 * outputs, its spec canonical (`ema` → `ema(30)`), as the pipeline names the values it computes. A bad spec or
 * output is a 400 naming its path (`strategy.entry.all.1.value.spec`).
 */
export function canonicalStrategy(strategy: Strategy): Strategy {
  const out: Record<string, unknown> = { ...strategy };
  for (const side of sides) {
    const condition = strategy[side];
    if (condition) out[side] = canonicalCondition(condition, ['strategy', side]);
  }
  return out as Strategy;
}

function canonicalCondition(
  condition: StrategyCondition,
  path: readonly (string | number)[],
): StrategyCondition {
  if ('all' in condition)
    return { all: condition.all.map((part, i) => canonicalCondition(part, [...path, 'all', i])) };
  if ('any' in condition)
    return { any: condition.any.map((part, i) => canonicalCondition(part, [...path, 'any', i])) };
  const out: Record<string, unknown> = { ...condition };
  for (const key of ['source', 'value', 'lower', 'upper'])
    if (typeof out[key] === 'object' && out[key] !== null)
      out[key] = canonicalSeries(out[key] as AlertSeries, [...path, key]);
  return out as StrategyCondition;
}

function canonicalSeries(series: AlertSeries, path: readonly (string | number)[]): AlertSeries {
  if (series.kind !== 'indicator') return series;
  let parsed: ReturnType<typeof parseIndicatorSpec>;
  try {
    parsed = parseIndicatorSpec(series.spec);
  } catch (error) {
    if (!(error instanceof NexuralError)) throw error;
    throw new NexuralError(error.code, error.message, { ...error.details, path: [...path, 'spec'] });
  }
  if (!parsed.outputs.includes(series.output))
    throw new NexuralError(
      'NXR_BAD_VALUE',
      `${parsed.spec} has no output "${series.output}"; outputs: ${parsed.outputs.join(', ')}`,
      { path: [...path, 'output'] },
    );
  return { ...series, spec: parsed.spec };
}
