import { describe, expect, it } from 'vitest';
import type { AlertCondition, AlertRuleInput } from '../../schemas/alert-rule.js';
import { AlertEngine } from './engine.js';
import { firedIds, PointFeed, testRule } from './testing/alert-fixtures.js';

/** 100,000 rules of every operator on BTCUSDT price, none of which a move from 100 to 101 crosses or holds. */
function uncrossedRules(): AlertRuleInput[] {
  const conditions: AlertCondition[] = [];
  for (let i = 0; i < 10_000; i++) {
    const far = 1_000 + i;
    conditions.push(
      { operator: 'crossing', value: far },
      { operator: 'crossing_up', value: far + 0.25 },
      { operator: 'crossing_down', value: 50 - i / 1_000 },
      { operator: 'entering_channel', lower: far, upper: far + 10 },
      { operator: 'exiting_channel', lower: 20 - i / 1_000, upper: 30 + i / 1_000 },
      { operator: 'greater_than', value: far },
      { operator: 'less_than', value: 50 - i / 1_000 },
      {
        operator: 'inside_channel',
        lower: i % 2 === 0 ? far : 1 + i / 1_000,
        upper: i % 2 === 0 ? far + 5 : 50,
      },
      { operator: 'outside_channel', lower: 50 - i / 1_000, upper: 150 + i / 1_000 },
      { operator: 'moving_up', amount: far, bars: 1 + (i % 5) },
    );
  }
  return conditions.map((condition, index) => testRule({ id: `idle-${index}`, condition }));
}

const crossedRules = [
  testRule({ id: 'hit-up', condition: { operator: 'crossing_up', value: 100.5 } }),
  testRule({ id: 'hit-any', condition: { operator: 'crossing', value: 100.75 } }),
  testRule({ id: 'hit-enter', condition: { operator: 'entering_channel', lower: 100.9, upper: 105 } }),
];

/** Rules visited while evaluating a move from 100 to 101 (after one bar closed, so moving_* windows exist). */
function rulesVisitedByOneMove(engine: AlertEngine): { visited: number; fired: string[] } {
  const feed = new PointFeed(engine);
  feed.bar(100);
  feed.trade(100);
  const before = engine.stats.rulesVisited;
  const fired = firedIds(feed.trade(101));
  return { visited: engine.stats.rulesVisited - before, fired };
}

describe('evaluation cost', () => {
  it('with 100,000 rules that are not crossed, a point visits only the 3 rules it crosses', () => {
    const alone = rulesVisitedByOneMove(new AlertEngine(crossedRules));
    const crowded = rulesVisitedByOneMove(new AlertEngine([...uncrossedRules(), ...crossedRules]));
    expect(alone).toEqual({ visited: 3, fired: ['hit-any', 'hit-enter', 'hit-up'] });
    expect(crowded).toEqual(alone);
  }, 60_000); // building 100,000 validated rules takes a few seconds on a busy machine
});
