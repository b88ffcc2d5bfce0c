import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { attachRules, detachRules } from './detached-rules.js';
import { type EngineSnapshot, parseEngineSnapshot } from './engine-snapshot.js';
import { MarketEngine } from './market-engine.js';
import { readUmBtcusdtTicks } from './testing/engine-test-kit.js';

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
    // firings without a ring of firing times: no rule runtime makes it, so it stays an object, exactly
    expect('ruleStates' in state.alerts && state.alerts.ruleStates).toEqual([
      { at: 1, status: 'stopped', stopReason: 'fired_once', instances: [], firingTimes: null, firings: 1 },
    ]);
    expect(parseEngineSnapshot(attachRules(state, rules))).toEqual(stopped);
  });

  it('refuse a firing state for a rule the rule set does not have, or a state without firing states', () => {
    const engine = new MarketEngine({ bars: { intervals: ['1m'] }, indicators: [] }, ignore);
    engine.upsertRule(rule('a', 1));
    const { state } = detachRules(engine.snapshot());
    const { ruleStateColumns: _columns, ...alerts } = state.alerts as Record<string, unknown>;
    const bad = { ...state, alerts: { ...alerts, ruleStates: [{ at: 3, status: 'stopped' }] } };
    expect(() => attachRules(bad, [rule('a', 1)])).toThrow(/firing state for rule 3 of 1/);
    expect(() => attachRules({ alerts: {} }, [])).toThrow(/ruleStateColumns or as ruleStates/);
    const columns = {
      at: Int32Array.of(0),
      status: Uint8Array.of(2, 2),
      stopReason: Uint8Array.of(2),
      firings: Float64Array.of(1),
      timeCounts: Uint8Array.of(1),
      times: Float64Array.of(1723161300000),
      instanceCounts: Int32Array.of(0),
      instanceKeys: [],
      instanceTimes: new Float64Array(0),
    };
    expect(() => attachRules({ alerts: { ...alerts, ruleStateColumns: columns } }, [rule('a', 1)])).toThrow(
      /ruleStateColumns: .*status: 2 entries, not 1/,
    );
  });

  it('write the firing states of fired rules as columns, ~40 bytes a once rule, restored exactly after a v8 round trip', async () => {
    const ticks = await readUmBtcusdtTicks();
    const engine = new MarketEngine({ bars: { intervals: ['1m'] }, indicators: [] }, ignore);
    // BTCUSDT traded 61,2xx–61,7xx in the file: every `once` rule below 61,000 fires on the first tick
    for (let n = 0; n < 200; n++) engine.upsertRule(rule(`once-${n}`, 60_000 + n));
    engine.upsertRule({ ...rule('every-tick', 60_000), frequency: 'once_per_bar' });
    engine.upsertRule({ ...rule('quiet', 99_000) });
    for (const [index, tick] of ticks.entries()) {
      engine.add(tick, { topic: 'nexural.trades.raw', partition: 0, offset: String(index) });
    }
    const full = engine.snapshot();
    const { state, rules } = detachRules(full);
    const columns = 'ruleStateColumns' in state.alerts ? state.alerts.ruleStateColumns : null;
    expect(columns?.at.length).toBe(201);
    expect(Array.from(columns?.firings ?? []).slice(0, 2)).toEqual([1, 1]);
    expect(columns?.firings[200]).toBeGreaterThan(1);
    const asObjects = serialize({
      ...state.alerts,
      ruleStateColumns: undefined,
      ruleStates: full.alerts.rules,
    });
    expect(serialize(state.alerts).length).toBeLessThan(asObjects.length / 3);
    expect(parseEngineSnapshot(attachRules(deserialize(serialize(state)), rules))).toEqual(full);
  });
});
