import type { AlertCondition, AlertRuleInput, AlertSeries } from '../../schemas/alert-rule.js';
import { NexuralError } from '../../schemas/errors.js';

const operators: Record<string, AlertCondition['operator']> = {
  crossing: 'crossing',
  crosses: 'crossing',
  crossing_up: 'crossing_up',
  'crosses-above': 'crossing_up',
  crossing_down: 'crossing_down',
  'crosses-below': 'crossing_down',
  '>': 'greater_than',
  greater_than: 'greater_than',
  '<': 'less_than',
  less_than: 'less_than',
};
const barFields = new Set(['open', 'high', 'low', 'close', 'volume']);

function series(token: string): AlertSeries {
  if (token === 'price') return { kind: 'price' };
  if (barFields.has(token)) return { kind: 'bar', field: token as 'open' };
  const match = token.match(/^([a-z][a-z0-9_]*(?:\([^()]*\))?)(?:\.([a-z_]+))?$/);
  if (!match?.[1])
    throw new NexuralError('NXR_RULE_INVALID', `"${token}" is not price, a bar field or an indicator spec`);
  return { kind: 'indicator', spec: match[1], output: match[2] ?? 'value' };
}

/**
 * The bot's one-line rule language: `SOURCE OP THRESHOLD [on INTERVAL] [once|every]`, e.g.
 * `price crossing_up 65000 on 1m`, `rsi(14) < 30 on 5m`, `close crosses-above sma(50)`. Returns the rule input
 * for the alert rule schema (which validates it).
 */
export function parseRuleText(text: string, owner: string, symbol: string, id: string): AlertRuleInput {
  const tokens = text.trim().toLowerCase().split(/\s+/);
  const [source, op, threshold, ...rest] = tokens;
  const operator = operators[op ?? ''];
  if (!source || !operator || threshold === undefined) {
    throw new NexuralError(
      'NXR_RULE_INVALID',
      `rule "${text}": write SOURCE OP THRESHOLD [on INTERVAL], OP one of ${Object.keys(operators).join(' ')}`,
    );
  }
  let interval = '1m';
  let frequency: AlertRuleInput['frequency'] = 'once_per_bar';
  for (let index = 0; index < rest.length; index += 1) {
    const token = rest[index];
    if (token === 'on' && rest[index + 1]) {
      interval = rest[index + 1] ?? interval;
      index += 1;
    } else if (token === 'once') frequency = 'once';
    else if (token === 'close') frequency = 'once_per_bar_close';
    else throw new NexuralError('NXR_RULE_INVALID', `rule "${text}": unexpected "${token}"`);
  }
  const number = Number(threshold);
  const value = Number.isFinite(number) && threshold.trim() !== '' ? number : series(threshold);
  return {
    id,
    owner,
    symbol,
    interval,
    source: series(source),
    condition: { operator, value } as AlertCondition,
    frequency,
  };
}
