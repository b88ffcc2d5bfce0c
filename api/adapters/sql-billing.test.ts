import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { planTable } from '../../schemas/plans.js';
import type { Store } from '../../schemas/ports/store.js';
import { sqlAccountRepository } from './sql-accounts.js';
import { sqlBillingRepository } from './sql-billing.js';
import { pgliteSqlClient } from './sql-client.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('sqlBillingRepository on PGlite', () => {
  let pglite: PGlite;
  let store: Store;
  beforeAll(async () => {
    pglite = await PGlite.create();
    store = await openPgliteStore({ db: pglite });
    await store.migrate();
  }, 60_000);
  afterAll(async () => {
    await store.close();
  });

  it('answers the entitlements of a user at any past time from the plan history', async () => {
    const sql = pgliteSqlClient(pglite);
    await sqlAccountRepository(sql).ensureUser({ id: 'carol' });
    const billing = sqlBillingRepository(sql, { plans: planTable(), now: () => T0 + 10_000 });
    expect(await billing.entitlementsFor('carol')).toMatchObject({
      plan: 'free',
      source: 'fallback',
      maxAlertRules: 5,
    });
    const change = {
      owner: 'carol',
      source: 'subscription' as const,
      subscriptionId: 'sub_1',
      reason: 'evt_1',
    };
    expect(await billing.appendPlanChange({ ...change, at: T0 + 1_000, plan: 'pro', status: 'active' })).toBe(
      true,
    );
    expect(await billing.appendPlanChange({ ...change, at: T0 + 1_500, plan: 'pro', status: 'active' })).toBe(
      false,
    );
    await billing.appendPlanChange({ ...change, at: T0 + 5_000, plan: 'free', status: 'past_due' });
    expect(await billing.entitlementsFor('carol', T0 + 999)).toMatchObject({
      plan: 'free',
      source: 'fallback',
    });
    expect(await billing.entitlementsFor('carol', T0 + 1_000)).toMatchObject({ plan: 'pro', dataDelayMs: 0 });
    expect(await billing.entitlementsFor('carol', T0 + 4_999)).toMatchObject({ plan: 'pro' });
    expect(await billing.entitlementsFor('carol')).toMatchObject({ plan: 'free', dataDelayMs: 900_000 });
    expect((await billing.planHistory('carol')).map((row) => row.status)).toEqual(['active', 'past_due']);
  });

  it('keeps the newer subscription state when an older one arrives late, and records events once', async () => {
    const sql = pgliteSqlClient(pglite);
    await sqlAccountRepository(sql).ensureUser({ id: 'dave' });
    const billing = sqlBillingRepository(sql, { plans: planTable() });
    await billing.linkCustomer('dave', 'cus_dave');
    expect(await billing.ownerOfCustomer('cus_dave')).toBe('dave');
    const base = {
      subscriptionId: 'sub_dave',
      customerId: 'cus_dave',
      priceId: 'price_1',
      lookupKey: 'pro_monthly',
      currentPeriodEnd: T0 + 30 * 86_400_000,
      cancelAtPeriodEnd: false,
    };
    expect(await billing.putSubscription({ ...base, status: 'active', observedAt: T0 + 2_000 })).toBe(
      'stored',
    );
    expect(await billing.putSubscription({ ...base, status: 'incomplete', observedAt: T0 + 1_000 })).toBe(
      'stale',
    );
    expect((await billing.subscriptionsOf('dave'))[0]?.status).toBe('active');
    expect(await billing.liveSubscriptionIds()).toContain('sub_dave');
    const event = { id: 'evt_dave', type: 'invoice.paid', created: T0, payload: { id: 'evt_dave' } };
    expect(await billing.recordStripeEvent(event)).toBe(true);
    expect(await billing.recordStripeEvent(event)).toBe(false);
    expect(await billing.stripeEventProcessed('evt_dave')).toBe(false);
    await billing.markStripeEventProcessed('evt_dave', T0);
    expect(await billing.stripeEventProcessed('evt_dave')).toBe(true);
  });

  it('uses the configured default plan for users without any plan change', async () => {
    const billing = sqlBillingRepository(pgliteSqlClient(pglite), { plans: planTable(), defaultPlan: 'pro' });
    expect(await billing.entitlementsFor('nobody')).toMatchObject({ plan: 'pro', source: 'fallback' });
  });
});
