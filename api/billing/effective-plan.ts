import { grantsPlan, type PlanChange, type SubscriptionSnapshot } from '../../schemas/billing.js';
import type { PlanTable } from '../../schemas/plans.js';

/**
 * The plan a user's subscriptions give them: the highest-ranked plan among subscriptions that are trialing or
 * active; otherwise the fallback, naming the subscription that stopped granting. Subscriptions that never got
 * going (`incomplete`, `incomplete_expired`) change nothing, so a grant (e.g. grandfathered users) survives an
 * abandoned checkout. null = no change to make.
 */
export function effectivePlan(
  subscriptions: readonly SubscriptionSnapshot[],
  plans: PlanTable,
): Omit<PlanChange, 'owner' | 'at' | 'reason'> | null {
  let best: { readonly snapshot: SubscriptionSnapshot; readonly rank: number; readonly plan: string } | null =
    null;
  for (const snapshot of subscriptions) {
    const plan = snapshot.lookupKey === null ? undefined : plans.byLookupKey(snapshot.lookupKey);
    if (!plan || !grantsPlan(snapshot.status)) continue;
    if (!best || plan.rank > best.rank) best = { snapshot, rank: plan.rank, plan: plan.id };
  }
  if (best) {
    return {
      plan: best.plan,
      source: 'subscription',
      status: best.snapshot.status,
      subscriptionId: best.snapshot.subscriptionId,
    };
  }
  const ended = subscriptions
    .filter((snapshot) => snapshot.status !== 'incomplete' && snapshot.status !== 'incomplete_expired')
    .sort((a, b) => b.observedAt - a.observedAt)[0];
  if (!ended) return null;
  return {
    plan: plans.fallback.id,
    source: 'fallback',
    status: ended.status,
    subscriptionId: ended.subscriptionId,
  };
}

/** Entitlements history rebuilt from billing-topic records: the plan change in force at `at`, or null. */
export function planChangeAt(changes: readonly PlanChange[], owner: string, at: number): PlanChange | null {
  let found: PlanChange | null = null;
  for (const change of changes) {
    if (change.owner === owner && change.at <= at && (!found || change.at >= found.at)) found = change;
  }
  return found;
}
