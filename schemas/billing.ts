import { z } from 'zod';
import { planIdSchema } from './plans.js';

/**
 * Stripe subscription states and what each means for entitlements. A subscription's plan applies only while
 * it is `trialing` or `active`; `past_due` (a failed renewal) drops the user to the fallback plan at once, as do
 * `incomplete` (first payment not made), `unpaid`, `canceled`, `incomplete_expired` and `paused`.
 */
export const subscriptionStatusSchema = z.enum([
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'paused',
]);
export type SubscriptionStatus = z.infer<typeof subscriptionStatusSchema>;

export const grantsPlan = (status: SubscriptionStatus): boolean =>
  status === 'trialing' || status === 'active';

/**
 * One change of a user's effective plan: what the billing topic carries and `billing_plan_changes` keeps, so
 * the entitlements of any user at any past time are the latest change at or before that time.
 */
export const planChangeSchema = z.object({
  owner: z.string().min(1).max(128).describe('user id'),
  at: z.number().int().describe('when the change took effect, ms since epoch'),
  plan: planIdSchema.describe('plan whose entitlements apply from `at`'),
  source: z
    .enum(['subscription', 'grant', 'fallback'])
    .describe('subscription: a Stripe subscription; grant: given by an operator; fallback: nothing applies'),
  status: subscriptionStatusSchema
    .nullable()
    .describe('status of the subscription behind it; null otherwise'),
  subscriptionId: z.string().nullable().describe('Stripe subscription id (sub_…) behind it, if any'),
  reason: z.string().max(500).describe('what caused it, e.g. the Stripe event id and type'),
});
export type PlanChange = z.infer<typeof planChangeSchema>;

/** A Stripe subscription as Nexural keeps it (sql/0003 stripe_subscriptions + sql/0014). */
export interface SubscriptionSnapshot {
  readonly subscriptionId: string;
  readonly customerId: string;
  readonly status: SubscriptionStatus;
  readonly priceId: string;
  /** the price's lookup key; null when the price has none */
  readonly lookupKey: string | null;
  /** ms since epoch */
  readonly currentPeriodEnd: number | null;
  readonly cancelAtPeriodEnd: boolean;
  /** when Stripe reported this state (event `created`, or the time Nexural re-read it), ms */
  readonly observedAt: number;
}
