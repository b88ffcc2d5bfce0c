import { describe, expect, it } from 'vitest';
import { defaultPlans, planRequired, planTable, planTableFromJson, quotaExceeded } from './plans.js';

describe('plan table', () => {
  const plans = planTable();
  const free = { ...plans.fallback.entitlements, plan: 'free', source: 'fallback' as const };

  it('maps Stripe lookup keys to plans and names the plan that lifts a limit', () => {
    expect(plans.byLookupKey('pro_monthly')?.id).toBe('pro');
    expect(plans.byLookupKey('gold_monthly')).toBeUndefined();
    expect(plans.fallback.entitlements).toMatchObject({
      dataDelayMs: 900_000,
      maxAlertRules: 5,
      askPerDay: 0,
    });
    expect(plans.lifting({ feature: 'ask' })?.id).toBe('pro');
    expect(plans.lifting({ quota: 'maxAlertRules', needed: 5 })?.id).toBe('pro');
    expect(plans.lifting({ quota: 'maxAlertRules', needed: 200 })).toBeUndefined();
  });

  it('builds 402 and 429 errors naming the required plan', () => {
    const required = planRequired(plans, free, 'ask', '/ask');
    expect(required).toMatchObject({
      code: 'NXR_PLAN_REQUIRED',
      details: { requiredPlan: 'pro', plan: 'free' },
    });
    expect(required.message).toBe('/ask is not in your plan ("free"); the Pro plan ("pro") includes it');
    const quota = quotaExceeded(plans, free, 'maxAlertRules', 5, 'alert rules');
    expect(quota).toMatchObject({
      code: 'NXR_QUOTA_EXCEEDED',
      details: { limit: 5, used: 5, requiredPlan: 'pro' },
    });
    expect(quota.message).toBe(
      'alert rules: 5 of 5 used on your plan ("free"); the Pro plan ("pro") allows 200',
    );
  });

  it('refuses a table with a bad value, naming its path', () => {
    const bad = structuredClone(defaultPlans);
    const pro = bad.plans[1];
    if (!pro) throw new Error('default table has pro');
    pro.entitlements.maxAlertRules = -1;
    pro.stripeLookupKeys = ['pro_monthly'];
    bad.plans.push({ ...pro, id: 'pro2' });
    expect(() => planTable(bad)).toThrow(
      /plans\.1\.entitlements\.maxAlertRules.*lookup key "pro_monthly" maps to two plans/,
    );
    expect(() => planTableFromJson('{')).toThrow(/NEXURAL_PLANS is not JSON/);
    expect(() => planTable({ ...defaultPlans, fallback: 'gold' })).toThrow(/fallback: no plan "gold"/);
  });
});
