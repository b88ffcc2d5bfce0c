import type { Strategy, StrategyCondition } from '../../schemas/strategy.js';
import { StrategyBook } from './strategy-book.js';

function collect(condition: StrategyCondition | undefined, specs: Set<string>): void {
  if (!condition) return;
  if ('all' in condition) for (const part of condition.all) collect(part, specs);
  else if ('any' in condition) for (const part of condition.any) collect(part, specs);
  else
    for (const series of [
      condition.source,
      ...['value', 'lower', 'upper'].map((key) => Reflect.get(condition, key)),
    ])
      if (typeof series === 'object' && series !== null && series.kind === 'indicator')
        specs.add(series.spec);
}

/**
 * The indicator specs a strategy reads (its conditions' and its ATR stops'), as written in it: the live feed
 * waits for them on each final bar. Store strategies canonical (`rsi` → `rsi(14)`), as the pipeline names them.
 */
export function requiredSpecs(strategy: Strategy): string[] {
  const specs = new Set<string>();
  for (const condition of [strategy.entry, strategy.exit, strategy.shortEntry, strategy.shortExit])
    collect(condition, specs);
  const atr = new StrategyBook(strategy).atrSpec;
  if (atr) specs.add(atr);
  return [...specs].sort();
}
