import { z } from 'zod';
import { NexuralError } from './errors.js';

/**
 * Plans and what each one entitles its users to, in one typed table. Stripe prices are mapped to a plan by
 * their lookup key (`stripeLookupKeys`), so prices can change in Stripe without a deploy. The table is
 * configurable (`NEXURAL_PLANS`, JSON in this shape); `defaultPlans` is what runs without configuration.
 */

export const planIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, { error: 'a plan id is lower-case letters, digits, _ or -' });
export type PlanId = z.infer<typeof planIdSchema>;

export const entitlementsSchema = z.object({
  dataDelayMs: z
    .number()
    .int()
    .min(0)
    .max(86_400_000)
    .describe('market data (API reads and live stream) lags by this much; 0 = real time'),
  maxAlertRules: z.number().int().min(0).describe('alert rules a user may keep'),
  askPerDay: z.number().int().min(0).describe('/ask questions per UTC day; 0 = no /ask'),
  strategies: z.boolean().describe('paper-trading strategies'),
  premiumNewsletter: z.boolean().describe('premium newsletter sections'),
});
export type Entitlements = z.infer<typeof entitlementsSchema>;

export const planSchema = z.object({
  id: planIdSchema,
  name: z.string().min(1).max(64).describe('shown to users, e.g. in "upgrade to Pro"'),
  rank: z
    .number()
    .int()
    .min(0)
    .describe('higher = more; the plan that lifts a limit is the lowest rank that does'),
  stripeLookupKeys: z
    .array(z.string().min(1).max(200))
    .default([])
    .describe('Stripe price lookup keys that buy this plan (empty = not for sale)'),
  entitlements: entitlementsSchema,
});
export type Plan = z.infer<typeof planSchema>;

export const planTableSchema = z
  .object({
    plans: z.array(planSchema).min(1),
    /** what a user without a subscription or grant gets */
    fallback: planIdSchema.describe('plan of users with no subscription or grant (e.g. free)'),
  })
  .superRefine((table, context) => {
    const ids = new Set<string>();
    const keys = new Set<string>();
    for (const [index, plan] of table.plans.entries()) {
      if (ids.has(plan.id)) {
        context.addIssue({
          code: 'custom',
          path: ['plans', index, 'id'],
          message: `plan "${plan.id}" twice`,
        });
      }
      ids.add(plan.id);
      for (const key of plan.stripeLookupKeys) {
        if (keys.has(key)) {
          context.addIssue({
            code: 'custom',
            path: ['plans', index, 'stripeLookupKeys'],
            message: `lookup key "${key}" maps to two plans`,
          });
        }
        keys.add(key);
      }
    }
    if (!ids.has(table.fallback)) {
      context.addIssue({ code: 'custom', path: ['fallback'], message: `no plan "${table.fallback}"` });
    }
  });
export type PlanTableConfig = z.input<typeof planTableSchema>;

export const defaultPlans: PlanTableConfig = {
  fallback: 'free',
  plans: [
    {
      id: 'free',
      name: 'Free',
      rank: 0,
      entitlements: {
        dataDelayMs: 15 * 60_000,
        maxAlertRules: 5,
        askPerDay: 0,
        strategies: false,
        premiumNewsletter: false,
      },
    },
    {
      id: 'pro',
      name: 'Pro',
      rank: 10,
      stripeLookupKeys: ['pro_monthly', 'pro_yearly'],
      entitlements: {
        dataDelayMs: 0,
        maxAlertRules: 200,
        askPerDay: 100,
        strategies: true,
        premiumNewsletter: true,
      },
    },
  ],
};

/** The entitlements a user has now: the plan they come from, and why (subscription, grant, fallback). */
export interface UserEntitlements extends Entitlements {
  readonly plan: PlanId;
  readonly source: 'subscription' | 'grant' | 'fallback';
}

/** Features that are on or off; the rest are numbers (quotas). */
export type FeatureFlag = 'strategies' | 'premiumNewsletter' | 'ask' | 'realTimeData';
export type Quota = 'maxAlertRules' | 'askPerDay';

export interface PlanTable {
  readonly plans: readonly Plan[];
  readonly fallback: Plan;
  get(id: PlanId): Plan | undefined;
  /** the plan a Stripe price with this lookup key buys; undefined for an unknown key */
  byLookupKey(lookupKey: string): Plan | undefined;
  /** the lowest-ranked plan that has `feature`, or whose quota exceeds `needed` */
  lifting(
    need: { readonly feature: FeatureFlag } | { readonly quota: Quota; readonly needed: number },
  ): Plan | undefined;
}

const hasFeature = (entitlements: Entitlements, feature: FeatureFlag): boolean => {
  switch (feature) {
    case 'strategies':
      return entitlements.strategies;
    case 'premiumNewsletter':
      return entitlements.premiumNewsletter;
    case 'ask':
      return entitlements.askPerDay > 0;
    case 'realTimeData':
      return entitlements.dataDelayMs === 0;
  }
};

/** Validates a plan table (errors name the path, e.g. `plans.1.entitlements.maxAlertRules`). */
export function planTable(config: PlanTableConfig = defaultPlans): PlanTable {
  const parsed = planTableSchema.safeParse(config);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(plans)'}: ${issue.message}`,
    );
    throw new NexuralError('NXR_CONFIG_INVALID', `invalid plan table: ${problems.join('; ')}`, { problems });
  }
  const plans = [...parsed.data.plans].sort((a, b) => a.rank - b.rank);
  const byId = new Map(plans.map((plan) => [plan.id, plan]));
  const byKey = new Map(plans.flatMap((plan) => plan.stripeLookupKeys.map((key) => [key, plan] as const)));
  const fallback = byId.get(parsed.data.fallback);
  if (!fallback) throw new NexuralError('NXR_CONFIG_INVALID', `no plan "${parsed.data.fallback}"`);
  return {
    plans,
    fallback,
    get: (id) => byId.get(id),
    byLookupKey: (key) => byKey.get(key),
    lifting: (need) =>
      plans.find((plan) =>
        'feature' in need
          ? hasFeature(plan.entitlements, need.feature)
          : plan.entitlements[need.quota] > need.needed,
      ),
  };
}

/** Parses NEXURAL_PLANS (JSON text); undefined → the default table. */
export function planTableFromJson(text: string | undefined): PlanTable {
  if (text === undefined) return planTable();
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new NexuralError('NXR_CONFIG_INVALID', `NEXURAL_PLANS is not JSON: ${(error as Error).message}`);
  }
  return planTable(config as PlanTableConfig);
}

const liftText = (plan: Plan | undefined) =>
  plan ? `; the ${plan.name} plan ("${plan.id}") includes it` : '; no plan includes it';

/** 402 NXR_PLAN_REQUIRED: the user's plan lacks a feature. */
export function planRequired(
  table: PlanTable,
  current: UserEntitlements,
  feature: FeatureFlag,
  what: string,
): NexuralError {
  const plan = table.lifting({ feature });
  return new NexuralError(
    'NXR_PLAN_REQUIRED',
    `${what} is not in your plan ("${current.plan}")${liftText(plan)}`,
    {
      feature,
      plan: current.plan,
      requiredPlan: plan?.id ?? null,
    },
  );
}

/** 429 NXR_QUOTA_EXCEEDED: the user used up a quota of their plan. */
export function quotaExceeded(
  table: PlanTable,
  current: UserEntitlements,
  quota: Quota,
  used: number,
  what: string,
): NexuralError {
  const limit = current[quota];
  const plan = table.lifting({ quota, needed: used });
  return new NexuralError(
    'NXR_QUOTA_EXCEEDED',
    `${what}: ${used} of ${limit} used on your plan ("${current.plan}")${plan ? `; the ${plan.name} plan ("${plan.id}") allows ${plan.entitlements[quota]}` : ''}`,
    { quota, used, limit, plan: current.plan, requiredPlan: plan?.id ?? null },
  );
}
