import type { PlanChange, SubscriptionSnapshot } from '../billing.js';
import type { UserEntitlements } from '../plans.js';

/** What a user may do, now or at a past time (ms since epoch). */
export interface EntitlementsReader {
  entitlementsFor(userId: string, at?: number): Promise<UserEntitlements>;
}

export interface StripeEventRecord {
  readonly id: string;
  readonly type: string;
  /** Stripe's `created`, ms since epoch */
  readonly created: number;
  readonly payload: unknown;
}

/**
 * Billing state in the store: Stripe customers, subscriptions, processed webhook events and the history of
 * each user's effective plan. Every write is idempotent: a redelivered event, a re-read subscription or a
 * repeated plan change changes nothing.
 */
export interface BillingRepository extends EntitlementsReader {
  /** Records a webhook event once; false when its id was seen before (a replay). */
  recordStripeEvent(event: StripeEventRecord): Promise<boolean>;
  markStripeEventProcessed(id: string, at: number): Promise<void>;
  /** Whether the event's effects were applied (a recorded but unprocessed event may be retried). */
  stripeEventProcessed(id: string): Promise<boolean>;
  linkCustomer(owner: string, customerId: string): Promise<void>;
  customerOf(owner: string): Promise<string | null>;
  ownerOfCustomer(customerId: string): Promise<string | null>;
  /**
   * Stores the subscription unless a newer observation is already stored (out-of-order delivery);
   * 'stale' when it was older and nothing changed.
   */
  putSubscription(snapshot: SubscriptionSnapshot): Promise<'stored' | 'stale'>;
  subscriptionsOf(owner: string): Promise<readonly SubscriptionSnapshot[]>;
  /** Subscriptions not in a final state (what the reconcile job re-reads). */
  liveSubscriptionIds(): Promise<readonly string[]>;
  /** Appends a plan change if it differs from the user's latest one; true when appended. */
  appendPlanChange(change: PlanChange): Promise<boolean>;
  /** The user's plan changes, oldest first. */
  planHistory(owner: string): Promise<readonly PlanChange[]>;
}

/** Publishes each plan change on the billing topic (keyed by owner, so one user's changes stay in order). */
export interface PlanChangePublisher {
  publish(change: PlanChange): Promise<void>;
}
