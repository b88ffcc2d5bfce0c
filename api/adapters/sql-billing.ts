import type { PlanChange, SubscriptionSnapshot, SubscriptionStatus } from '../../schemas/billing.js';
import { subscriptionStatusSchema } from '../../schemas/billing.js';
import type { PlanId, PlanTable, UserEntitlements } from '../../schemas/plans.js';
import type { BillingRepository } from '../../schemas/ports/billing.js';
import type { SqlClient } from './sql-client.js';

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const iso = (ms: number) => new Date(ms).toISOString();

interface ChangeRow {
  owner: string;
  at_ms: number;
  plan: string;
  source: PlanChange['source'];
  status: string | null;
  subscription_id: string | null;
  reason: string;
}

interface SubscriptionRow {
  subscription_id: string;
  customer_id: string;
  status: string;
  price_id: string;
  lookup_key: string | null;
  period_end_ms: number | null;
  cancel_at_period_end: boolean;
  observed_ms: number;
}

const statusOf = (text: string | null): SubscriptionStatus | null => {
  const parsed = subscriptionStatusSchema.safeParse(text);
  return parsed.success ? parsed.data : null;
};

const toChange = (row: ChangeRow): PlanChange => ({
  owner: row.owner,
  at: Number(row.at_ms),
  plan: row.plan,
  source: row.source,
  status: statusOf(row.status),
  subscriptionId: row.subscription_id,
  reason: row.reason,
});

const toSnapshot = (row: SubscriptionRow): SubscriptionSnapshot => ({
  subscriptionId: row.subscription_id,
  customerId: row.customer_id,
  status: statusOf(row.status) ?? 'incomplete',
  priceId: row.price_id,
  lookupKey: row.lookup_key,
  currentPeriodEnd: row.period_end_ms === null ? null : Number(row.period_end_ms),
  cancelAtPeriodEnd: row.cancel_at_period_end,
  observedAt: Number(row.observed_ms),
});

const changeColumns = `owner, ${epochMs('at')} AS at_ms, plan, source, status, subscription_id, reason`;
const subscriptionColumns = `subscription_id, customer_id, status, price_id, lookup_key,
  ${epochMs('current_period_end')} AS period_end_ms, cancel_at_period_end, ${epochMs('observed_at')} AS observed_ms`;

export interface SqlBillingOptions {
  readonly plans: PlanTable;
  /** plan of users with no plan change at all; default the table's fallback */
  readonly defaultPlan?: PlanId;
  readonly now?: () => number;
}

/** Billing state in the store's database (sql/0003 stripe_*, sql/0014 billing_plan_changes). */
export function sqlBillingRepository(db: SqlClient, options: SqlBillingOptions): BillingRepository {
  const now = options.now ?? Date.now;
  const { plans } = options;
  const defaultPlan = (options.defaultPlan && plans.get(options.defaultPlan)) || plans.fallback;

  const entitlementsOf = (planId: string, source: UserEntitlements['source']): UserEntitlements => {
    const plan = plans.get(planId);
    // a plan removed from the configuration since: its users get the fallback, never an error
    if (!plan) return { ...plans.fallback.entitlements, plan: plans.fallback.id, source: 'fallback' };
    return { ...plan.entitlements, plan: plan.id, source };
  };

  return {
    async entitlementsFor(userId, at = now()) {
      const { rows } = await db.query<{ plan: string; source: PlanChange['source'] }>(
        `SELECT plan, source FROM billing_plan_changes WHERE owner = $1 AND at <= $2
         ORDER BY at DESC, seq DESC LIMIT 1`,
        [userId, iso(at)],
      );
      const latest = rows[0];
      if (!latest) return { ...defaultPlan.entitlements, plan: defaultPlan.id, source: 'fallback' };
      if (latest.source === 'fallback') return entitlementsOf(defaultPlan.id, 'fallback');
      return entitlementsOf(latest.plan, latest.source);
    },

    async recordStripeEvent(event) {
      const { rows } = await db.query(
        `INSERT INTO stripe_events (event_id, type, created, payload) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [event.id, event.type, iso(event.created), JSON.stringify(event.payload)],
      );
      return rows.length > 0;
    },

    async markStripeEventProcessed(id, at) {
      await db.query('UPDATE stripe_events SET processed_at = $2 WHERE event_id = $1', [id, iso(at)]);
    },

    async stripeEventProcessed(id) {
      const { rows } = await db.query<{ done: boolean }>(
        'SELECT processed_at IS NOT NULL AS done FROM stripe_events WHERE event_id = $1',
        [id],
      );
      return rows[0]?.done ?? false;
    },

    async linkCustomer(owner, customerId) {
      await db.query(
        `INSERT INTO stripe_customers (customer_id, owner) VALUES ($1, $2)
         ON CONFLICT (owner) DO UPDATE SET customer_id = EXCLUDED.customer_id`,
        [customerId, owner],
      );
    },

    async customerOf(owner) {
      const { rows } = await db.query<{ customer_id: string }>(
        'SELECT customer_id FROM stripe_customers WHERE owner = $1',
        [owner],
      );
      return rows[0]?.customer_id ?? null;
    },

    async ownerOfCustomer(customerId) {
      const { rows } = await db.query<{ owner: string }>(
        'SELECT owner FROM stripe_customers WHERE customer_id = $1',
        [customerId],
      );
      return rows[0]?.owner ?? null;
    },

    async putSubscription(snapshot) {
      const { rows } = await db.query(
        `INSERT INTO stripe_subscriptions (subscription_id, customer_id, status, price_id, lookup_key,
           current_period_end, cancel_at_period_end, observed_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
         ON CONFLICT (subscription_id) DO UPDATE SET customer_id = EXCLUDED.customer_id,
           status = EXCLUDED.status, price_id = EXCLUDED.price_id, lookup_key = EXCLUDED.lookup_key,
           current_period_end = EXCLUDED.current_period_end, cancel_at_period_end = EXCLUDED.cancel_at_period_end,
           observed_at = EXCLUDED.observed_at, updated_at = now()
         WHERE stripe_subscriptions.observed_at <= EXCLUDED.observed_at
         RETURNING subscription_id`,
        [
          snapshot.subscriptionId,
          snapshot.customerId,
          snapshot.status,
          snapshot.priceId,
          snapshot.lookupKey,
          snapshot.currentPeriodEnd === null ? null : iso(snapshot.currentPeriodEnd),
          snapshot.cancelAtPeriodEnd,
          iso(snapshot.observedAt),
        ],
      );
      return rows.length > 0 ? 'stored' : 'stale';
    },

    async subscriptionsOf(owner) {
      const { rows } = await db.query<SubscriptionRow>(
        `SELECT ${subscriptionColumns} FROM stripe_subscriptions
         WHERE customer_id IN (SELECT customer_id FROM stripe_customers WHERE owner = $1)
         ORDER BY subscription_id`,
        [owner],
      );
      return rows.map(toSnapshot);
    },

    async liveSubscriptionIds() {
      const { rows } = await db.query<{ subscription_id: string }>(
        `SELECT subscription_id FROM stripe_subscriptions
         WHERE status NOT IN ('canceled', 'incomplete_expired') ORDER BY subscription_id`,
      );
      return rows.map((row) => row.subscription_id);
    },

    appendPlanChange: (change) =>
      db.transaction(async (tx) => {
        // one writer per user at a time, so two webhooks cannot both append the same change
        await tx.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [change.owner]);
        const { rows } = await tx.query<ChangeRow>(
          `SELECT ${changeColumns} FROM billing_plan_changes WHERE owner = $1 ORDER BY at DESC, seq DESC LIMIT 1`,
          [change.owner],
        );
        const latest = rows[0];
        if (
          latest &&
          latest.plan === change.plan &&
          latest.source === change.source &&
          latest.status === change.status &&
          latest.subscription_id === change.subscriptionId
        ) {
          return false;
        }
        await tx.query(
          `INSERT INTO billing_plan_changes (owner, at, plan, source, status, subscription_id, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            change.owner,
            iso(change.at),
            change.plan,
            change.source,
            change.status,
            change.subscriptionId,
            change.reason,
          ],
        );
        return true;
      }),

    async planHistory(owner) {
      const { rows } = await db.query<ChangeRow>(
        `SELECT ${changeColumns} FROM billing_plan_changes WHERE owner = $1 ORDER BY at, seq`,
        [owner],
      );
      return rows.map(toChange);
    },
  };
}
