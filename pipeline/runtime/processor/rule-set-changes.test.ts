import { describe, expect, it } from 'vitest';
import { applyRuleChanges, decodeRuleChanges, diffRules, encodeRuleChanges } from './rule-set-changes.js';

const rule = (id: string, value: number) => Object.freeze({ id, symbol: 'BTCUSDT', value });

/** A tiny deterministic generator (mulberry32), so a failure names its seed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describe('rule set changes', () => {
  it("turn a base into the engine's rules, in its order, after any edits a Map allows, or say a new base is due", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      // the engine keeps rules in a Map: a replaced rule stays in place, a new or re-added one goes last
      const engine = new Map<string, unknown>();
      for (let i = 0; i < 30; i++) engine.set(`r${i}`, rule(`r${i}`, i));
      const base = [...engine.values()];
      let readded = false;
      for (let edit = 0; edit < 1 + Math.floor(next() * 12); edit++) {
        const id = `r${Math.floor(next() * 40)}`;
        const roll = next();
        if (roll < 0.4) engine.set(id, rule(id, 1000 + edit));
        else if (roll < 0.7) engine.delete(id);
        else if (engine.has(id) && base.some((saved) => (saved as { id: string }).id === id)) {
          engine.delete(id);
          engine.set(id, rule(id, 2000 + edit));
          readded = true;
        }
      }
      const current = [...engine.values()];
      const diff = diffRules(base, current);
      if (diff === null) {
        expect(readded, `seed ${seed}`).toBe(true);
        continue;
      }
      const changes = decodeRuleChanges(encodeRuleChanges({ base: 'b1', ...diff }), `seed ${seed}`);
      expect(applyRuleChanges(base, changes), `seed ${seed}`).toEqual(current);
      // only what changed: every upsert is a new object, every removal an id the base had
      for (const upsert of diff.upserts) expect(base).not.toContain(upsert);
      expect(diff.removed.every((id) => !engine.has(id))).toBe(true);
    }
  });

  it('have no changes to say for rules without a string id or with a repeated one', () => {
    expect(diffRules([rule('a', 1)], [rule('a', 1), { symbol: 'x' }])).toBeNull();
    expect(diffRules([rule('a', 1)], [rule('b', 1), rule('b', 2)])).toBeNull();
  });

  it('refuse a record that is not rule changes, naming it', () => {
    expect(() => decodeRuleChanges(Buffer.from('{}'), 'abc of t/0')).toThrow(/rule changes abc of t\/0/);
  });
});
