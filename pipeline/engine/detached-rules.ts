import { z } from 'zod';
import { NexuralError } from '../../schemas/errors.js';
import { describeIssues } from '../../schemas/validate.js';
import { isPristineRuleState, PRISTINE_RULE_STATE } from '../alerts/pristine-rule-state.js';
import type { EngineSnapshot } from './engine-snapshot.js';
import { fromColumns, type RuleStateAt, type RuleStateColumns, toColumns } from './rule-state-columns.js';

/*
 * An engine snapshot with its rule definitions taken out. Rules change rarely and an engine may hold
 * thousands of them (the bulk of a checkpoint: ~400 B each), so a processor stores the definitions only
 * when they change and each checkpoint refers to them. What the snapshot keeps per rule is its firing
 * state, and only for rules that have one: a rule that is active and never fired is left out. The
 * definitions come back as the same objects the engine holds, in its order, so whoever stores them can
 * tell an unchanged rule set by reference.
 *
 * Use: `const { state, rules } = detachRules(engine.snapshot())`, later
 * `MarketEngine.restore(config, output, parseEngineSnapshot(attachRules(state, rules)))`.
 */

/**
 * The firing states as columns (rule-state-columns.ts), or as objects (before 2026-12-06, and where a state
 * is not one a rule runtime makes). A processor from before the columns refuses them and rebuilds.
 */
type FiringStates =
  | { readonly ruleStateColumns: RuleStateColumns }
  | { readonly ruleStates: readonly RuleStateAt[] };

export type DetachedEngineSnapshot = Omit<EngineSnapshot, 'alerts'> & {
  readonly alerts: Omit<EngineSnapshot['alerts'], 'rules'> & FiringStates;
};

export interface DetachedRules {
  readonly state: DetachedEngineSnapshot;
  /** the rule definitions, in the engine's order (the engine's own objects, not copies) */
  readonly rules: readonly unknown[];
}

export function detachRules(snapshot: EngineSnapshot): DetachedRules {
  const rules: unknown[] = [];
  const ruleStates: RuleStateAt[] = [];
  // most rules are pristine: only the others' firing state is copied out
  for (const [at, saved] of snapshot.alerts.rules.entries()) {
    rules.push(saved.rule);
    if (isPristineRuleState(saved)) continue;
    const { rule: _definition, ...firing } = saved;
    ruleStates.push({ at, ...firing });
  }
  const { rules: _inline, ...alerts } = snapshot.alerts;
  const ruleStateColumns = toColumns(ruleStates);
  const firing: FiringStates = ruleStateColumns === null ? { ruleStates } : { ruleStateColumns };
  return { state: { ...snapshot, alerts: { ...alerts, ...firing } }, rules };
}

const detachedAlertsSchema = z.looseObject({
  alerts: z
    .looseObject({
      ruleStateColumns: z.unknown().optional(),
      ruleStates: z.array(z.looseObject({ at: z.number().int().min(0) })).optional(),
    })
    .refine((alerts) => (alerts.ruleStateColumns === undefined) !== (alerts.ruleStates === undefined), {
      error: 'firing states as ruleStateColumns or as ruleStates (one of them)',
    }),
});

/** The full snapshot again (unvalidated: `parseEngineSnapshot` checks it, rules included). */
export function attachRules(state: unknown, rules: readonly unknown[]): unknown {
  const parsed = detachedAlertsSchema.safeParse(state);
  if (!parsed.success) {
    throw new NexuralError(
      'NXR_SCHEMA_INVALID',
      `engine snapshot without rules: ${describeIssues(parsed.error)}`,
    );
  }
  const {
    ruleStates: asObjects,
    ruleStateColumns,
    ...alerts
  } = parsed.data.alerts as Record<string, unknown>;
  const ruleStates = (
    ruleStateColumns === undefined ? asObjects : fromColumns(ruleStateColumns)
  ) as readonly (Record<string, unknown> & { readonly at: number })[];
  const firing = new Map<number, Record<string, unknown>>();
  for (const [index, { at, ...saved }] of ruleStates.entries()) {
    if (at >= rules.length || firing.has(at)) {
      throw new NexuralError(
        'NXR_SCHEMA_INVALID',
        `engine snapshot without rules: a firing state for rule ${at} of ${rules.length}${firing.has(at) ? ', twice' : ''}`,
        { path: ['alerts', 'ruleStates', index, 'at'] },
      );
    }
    firing.set(at, saved);
  }
  return {
    ...parsed.data,
    alerts: {
      ...alerts,
      rules: rules.map((rule, at) => ({ rule, ...(firing.get(at) ?? PRISTINE_RULE_STATE) })),
    },
  };
}
