import { describe, expect, it } from 'vitest';
import { attachRules, detachRules } from './detached-rules.js';
import { type EngineSnapshot, parseEngineSnapshot } from './engine-snapshot.js';
import { MarketEngine } from './market-engine.js';

const ignore = { bar() {}, indicator() {}, alert() {}, late() {} };
const rule = (id: string, value: number) => ({
  id,
  owner: 'alice',
  symbol: 'BTCUSDT',
  interval: '1m',
  source: { kind: 'price' },
  condition: { operator: 'greater_than', value },
  frequency: 'once',
});

describe('detachRules / attachRules', () => {
  it('take the rule definitions out as the engine’s own objects, keep only non-pristine firing states, and put them back', () => {
    const engine = new MarketEngine({ bars: { intervals: ['1m'] }, indicators: [] }, ignore);
    engine.upsertRule(rule('a', 1));
    engine.upsertRule(rule('b', 2));
    const full = engine.snapshot();
    const stopped: EngineSnapshot = {
      ...full,
      alerts: {
        ...full.alerts,
        rules: full.alerts.rules.map((saved, index) =>
          index === 1 ? { ...saved, status: 'stopped', stopReason: 'fired_once', firings: 1 } : saved,
        ),
      },
    };
    const { state, rules } = detachRules(stopped);
    expect(rules).toEqual(stopped.alerts.rules.map((saved) => saved.rule));
    expect(rules[0]).toBe(stopped.alerts.rules[0]?.rule);
    expect(state.alerts.ruleStates).toEqual([
      { at: 1, status: 'stopped', stopReason: 'fired_once', instances: [], firingTimes: null, firings: 1 },
    ]);
    expect(parseEngineSnapshot(attachRules(state, rules))).toEqual(stopped);
  });

  it('refuse a firing state for a rule the rule set does not have, or a state without firing states', () => {
    const engine = new MarketEngine({ bars: { intervals: ['1m'] }, indicators: [] }, ignore);
    engine.upsertRule(rule('a', 1));
    const { state } = detachRules(engine.snapshot());
    const bad = { ...state, alerts: { ...state.alerts, ruleStates: [{ at: 3, status: 'stopped' }] } };
    expect(() => attachRules(bad, [rule('a', 1)])).toThrow(/firing state for rule 3 of 1/);
    expect(() => attachRules({ alerts: {} }, [])).toThrow(/NXR_SCHEMA_INVALID|ruleStates/);
  });
});
