import { sqlAccountRepository } from '../../api/adapters/sql-accounts.js';
import { sqlBillingRepository } from '../../api/adapters/sql-billing.js';
import type { SqlClient } from '../../api/adapters/sql-client.js';
import { createBillingService } from '../../api/billing/billing-service.js';
import { createStripeClient } from '../../api/billing/stripe-client.js';
import type { BillingDeps } from '../../api/deps.js';
import { billingTopicSpec, createPlanChangePublisher } from '../../pipeline/runtime/plan-change-publisher.js';
import type { Env } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import { type PlanId, type PlanTable, planTableFromJson } from '../../schemas/plans.js';
import type { Jobs } from '../../schemas/ports/jobs.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';

export type BillingEnv = Partial<
  Pick<
    Env,
    | 'STRIPE_SECRET_KEY'
    | 'STRIPE_WEBHOOK_SECRET'
    | 'STRIPE_API_URL'
    | 'NEXURAL_PLANS'
    | 'NEXURAL_DEFAULT_PLAN'
  >
>;

export const RECONCILE_JOB = 'billing.reconcile';

/**
 * The plan table and the plan of users without a subscription or grant: NEXURAL_DEFAULT_PLAN; unset, the
 * table's fallback (free) when Stripe is configured, and the highest plan when it is not.
 */
export function planSettings(env: BillingEnv): {
  readonly plans: PlanTable;
  readonly defaultPlan: PlanId;
  readonly stripeConfigured: boolean;
} {
  const plans = planTableFromJson(env.NEXURAL_PLANS);
  const stripeConfigured = env.STRIPE_SECRET_KEY !== undefined && env.STRIPE_WEBHOOK_SECRET !== undefined;
  if ((env.STRIPE_SECRET_KEY === undefined) !== (env.STRIPE_WEBHOOK_SECRET === undefined)) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      'set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or neither',
    );
  }
  const highest = plans.plans[plans.plans.length - 1] ?? plans.fallback;
  const defaultPlan = env.NEXURAL_DEFAULT_PLAN ?? (stripeConfigured ? plans.fallback.id : highest.id);
  if (!plans.get(defaultPlan)) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `NEXURAL_DEFAULT_PLAN: no plan "${defaultPlan}" in the plan table`,
    );
  }
  return { plans, defaultPlan, stripeConfigured };
}

/**
 * Plans, entitlements and (with STRIPE_SECRET_KEY + STRIPE_WEBHOOK_SECRET) Stripe for `nexural serve`.
 * Users without a subscription or grant get NEXURAL_DEFAULT_PLAN; unset, that is the table's fallback (free)
 * when Stripe is configured, and the highest plan when it is not (nothing can be bought, so nothing is held
 * back: `npm start` behaves as before billing existed).
 */
export async function openBilling(options: {
  readonly env: BillingEnv;
  readonly sql: SqlClient;
  readonly log: StreamLog;
  readonly jobs: Jobs;
  readonly runJobs: boolean;
}): Promise<{ readonly billing: BillingDeps; readonly summary: string; close(): Promise<void> }> {
  const { env } = options;
  const { plans, defaultPlan, stripeConfigured } = planSettings(env);
  const repository = sqlBillingRepository(options.sql, { plans, defaultPlan });
  const publisher = createPlanChangePublisher({ log: options.log });
  if (!stripeConfigured || env.STRIPE_SECRET_KEY === undefined || env.STRIPE_WEBHOOK_SECRET === undefined) {
    return {
      billing: { plans, entitlements: repository, service: null },
      summary: `billing off (no Stripe) · users without a plan get "${defaultPlan}"`,
      close: () => publisher.close(),
    };
  }
  await options.log.admin.createTopics([billingTopicSpec]);
  const service = createBillingService({
    stripe: createStripeClient({
      secretKey: env.STRIPE_SECRET_KEY,
      ...(env.STRIPE_API_URL ? { apiUrl: env.STRIPE_API_URL } : {}),
    }),
    webhookSecret: env.STRIPE_WEBHOOK_SECRET,
    repository,
    accounts: sqlAccountRepository(options.sql),
    plans,
    publisher,
  });
  if (options.runJobs) {
    options.jobs.register(RECONCILE_JOB, async () => {
      await service.reconcile();
    });
    await options.jobs.upsertSchedule({
      id: RECONCILE_JOB,
      name: RECONCILE_JOB,
      owner: 'system',
      schedule: { kind: 'cron', pattern: '17 3 * * *', timeZone: 'UTC' },
      retry: { attempts: 5, backoffMs: 60_000 },
    });
  }
  return {
    billing: { plans, entitlements: repository, service },
    summary: `billing: Stripe${env.STRIPE_API_URL ? ` at ${env.STRIPE_API_URL}` : ''} · reconcile daily 03:17 UTC · users without a plan get "${defaultPlan}"`,
    close: () => publisher.close(),
  };
}
