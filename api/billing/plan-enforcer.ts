import { intervalOf } from '../../schemas/interval.js';
import { type PlanTable, planRequired, quotaExceeded, type UserEntitlements } from '../../schemas/plans.js';
import type { EntitlementsReader } from '../../schemas/ports/billing.js';

/**
 * What each route asks of the caller's plan. Built without billing (`null`), nothing is enforced: every user
 * gets real-time data and no quota, as before plans existed. Entitlements are remembered for a few seconds per
 * user, so a hot read path does not query the plan history on every request.
 */
export interface PlanEnforcer {
  /** null when plans are not enforced in this process */
  entitlementsOf(owner: string): Promise<UserEntitlements | null>;
  /**
   * Exclusive upper bound on bar open time the user may read for this interval (only bars closed by
   * now − delay), or null for real time.
   */
  barCutoff(owner: string, interval: string): Promise<number | null>;
  /** Throws 429 NXR_QUOTA_EXCEEDED when one more alert rule would exceed the plan. */
  assertRuleQuota(owner: string, rulesHeld: number): Promise<void>;
  /** Throws 402 NXR_PLAN_REQUIRED unless the plan has real-time data (for data that cannot be delayed). */
  assertRealTime(owner: string, what: string): Promise<void>;
}

export function createPlanEnforcer(
  billing: { readonly plans: PlanTable; readonly entitlements: EntitlementsReader } | null,
  now: () => number,
  cacheMs = 5_000,
): PlanEnforcer {
  const cache = new Map<string, { readonly value: UserEntitlements; readonly until: number }>();
  const entitlementsOf = async (owner: string): Promise<UserEntitlements | null> => {
    if (!billing) return null;
    const at = now();
    const cached = cache.get(owner);
    if (cached && cached.until > at) return cached.value;
    const value = await billing.entitlements.entitlementsFor(owner, at);
    if (cache.size > 50_000) cache.clear();
    cache.set(owner, { value, until: at + cacheMs });
    return value;
  };
  return {
    entitlementsOf,
    async barCutoff(owner, interval) {
      const entitlements = await entitlementsOf(owner);
      if (!entitlements || entitlements.dataDelayMs === 0) return null;
      const parsed = intervalOf(interval);
      const barMs = parsed.kind === 'time' ? parsed.ms : 0;
      // whole seconds, so responses of one second share the range cache
      return Math.floor((now() - entitlements.dataDelayMs) / 1000) * 1000 - barMs + 1;
    },
    async assertRuleQuota(owner, rulesHeld) {
      const entitlements = await entitlementsOf(owner);
      if (!billing || !entitlements || rulesHeld < entitlements.maxAlertRules) return;
      throw quotaExceeded(billing.plans, entitlements, 'maxAlertRules', rulesHeld, 'alert rules');
    },
    async assertRealTime(owner, what) {
      const entitlements = await entitlementsOf(owner);
      if (!billing || !entitlements || entitlements.dataDelayMs === 0) return;
      throw planRequired(billing.plans, entitlements, 'realTimeData', what);
    },
  };
}
