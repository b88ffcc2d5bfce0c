import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  billingTopicSpec,
  createPlanChangePublisher,
  planChangeOfRecord,
} from '../../pipeline/runtime/plan-change-publisher.js';
import type { PlanChange } from '../../schemas/billing.js';
import { planTable } from '../../schemas/plans.js';
import type { BillingRepository } from '../../schemas/ports/billing.js';
import { BILLING_TOPIC } from '../../schemas/topics.js';
import { sqlAccountRepository } from '../adapters/sql-accounts.js';
import { sqlBillingRepository } from '../adapters/sql-billing.js';
import { buildApp } from '../app.js';
import { type BillingService, createBillingService } from '../billing/billing-service.js';
import { planChangeAt } from '../billing/effective-plan.js';
import { createStripeClient } from '../billing/stripe-client.js';
import { type ApiHarness, bearer, openApiHarness, pgliteTestDatabase } from '../testing/api-harness.js';
import { type FakeStripe, startFakeStripe } from '../testing/fake-stripe.js';

const WEBHOOK_SECRET = 'whsec_nexural_test_secret';
const plans = planTable();

describe('billing with the real stripe SDK against a local fake Stripe', () => {
  let harness: ApiHarness;
  let fake: FakeStripe;
  let repository: BillingRepository;
  let service: BillingService;
  beforeAll(async () => {
    fake = await startFakeStripe();
    harness = await openApiHarness(pgliteTestDatabase, ({ sql, log }) => {
      repository = sqlBillingRepository(sql, { plans });
      service = createBillingService({
        stripe: createStripeClient({ secretKey: 'sk_test_nexural', apiUrl: fake.url }),
        webhookSecret: WEBHOOK_SECRET,
        repository,
        accounts: sqlAccountRepository(sql),
        plans,
        publisher: createPlanChangePublisher({ log }),
      });
      return {
        billing: { plans, entitlements: repository, service },
        publicUrl: 'https://nexural.example.com',
      };
    });
    await harness.log.admin.createTopics([billingTopicSpec]);
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
    await fake?.close();
  });

  const deliver = (event: { payload: string }, signature = fake.sign(event.payload, WEBHOOK_SECRET)) =>
    harness.app.inject({
      method: 'POST',
      url: '/v1/billing/stripe/webhook',
      payload: event.payload,
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
    });
  const planOf = async (key: string) =>
    (await harness.app.inject({ url: '/v1/billing/entitlements', headers: bearer(key) })).json();

  /** checkout → the customer pays (Stripe now holds `status`) → checkout.session.completed delivered */
  const subscribe = async (key: string, owner: string, status = 'active') => {
    const checkout = await harness.app.inject({
      method: 'POST',
      url: '/v1/billing/checkout',
      headers: bearer(key),
      payload: { lookupKey: 'pro_monthly' },
    });
    expect(checkout.statusCode).toBe(201);
    const sessionId: string = checkout.json().id;
    const subscription = fake.subscribe(sessionId, status);
    const completed = fake.event('checkout.session.completed', {
      id: sessionId,
      object: 'checkout.session',
      customer: subscription.customer,
      subscription: subscription.id,
      client_reference_id: owner,
    });
    const response = await deliver(completed);
    expect(response.json()).toEqual({ received: true, outcome: 'applied' });
    return { subscription, checkout: checkout.json(), completed };
  };

  it('happy path: checkout, payment, webhook → pro entitlements; the portal opens', async () => {
    expect(await planOf(harness.keys.alice)).toMatchObject({
      plan: 'free',
      source: 'fallback',
      dataDelayMs: 900_000,
      maxAlertRules: 5,
    });
    const { checkout, subscription } = await subscribe(harness.keys.alice, 'alice');
    expect(checkout.url).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);
    expect([...fake.customers.values()].map((customer) => customer.metadata)).toContainEqual({
      nexural_user: 'alice',
    });
    expect(fake.checkoutSessions.get(checkout.id)?.price).toBe('price_pro_monthly');
    expect(await planOf(harness.keys.alice)).toMatchObject({
      plan: 'pro',
      source: 'subscription',
      dataDelayMs: 0,
      maxAlertRules: 200,
      askPerDay: 100,
    });
    const portal = await harness.app.inject({
      method: 'POST',
      url: '/v1/billing/portal',
      headers: bearer(harness.keys.alice),
    });
    expect(portal.json()).toEqual({ url: `https://billing.stripe.test/p/session/${subscription.customer}` });
    expect(fake.requests).toContain(`GET /v1/subscriptions/${subscription.id}`);
  });

  it('refuses a bad, missing or stale signature with 400 NXR_SIGNATURE_INVALID and changes nothing', async () => {
    const before = await repository.planHistory('alice');
    const event = fake.event('customer.subscription.deleted', { id: 'sub_forged', object: 'subscription' });
    const forged = await deliver(event, fake.sign(event.payload, 'whsec_someone_else'));
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.code).toBe('NXR_SIGNATURE_INVALID');
    const stale = await deliver(
      event,
      fake.sign(event.payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 301),
    );
    expect(stale.json().error.message).toMatch(/webhook refused: Timestamp outside the tolerance zone/);
    const tampered = await deliver(
      { payload: event.payload.replace('sub_forged', 'sub_forgeD') },
      fake.sign(event.payload, WEBHOOK_SECRET),
    );
    expect(tampered.statusCode).toBe(400);
    const missing = await harness.app.inject({
      method: 'POST',
      url: '/v1/billing/stripe/webhook',
      payload: event.payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(missing.json().error).toMatchObject({
      code: 'NXR_SIGNATURE_INVALID',
      message: 'webhook refused: no Stripe-Signature header',
    });
    expect(await repository.recordStripeEvent({ id: event.id, type: 'probe', created: 0, payload: {} })).toBe(
      true,
    );
    expect(await repository.planHistory('alice')).toEqual(before);
  });

  it('answers a replayed event "replayed" and applies it once', async () => {
    const { completed } = await subscribe(harness.keys.bob, 'bob');
    const history = await repository.planHistory('bob');
    expect(history.map((change) => change.plan)).toEqual(['pro']);
    expect((await deliver(completed)).json()).toEqual({ received: true, outcome: 'replayed' });
    expect(await repository.planHistory('bob')).toEqual(history);
  });

  it('keeps the newest state when events arrive out of order (the subscription is re-read from Stripe)', async () => {
    const signUp = await harness.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up',
      payload: { email: 'olga@example.com', password: 'olga password 1' },
    });
    const { token, owner: olga } = signUp.json();
    const { subscription } = await subscribe(token, olga, 'incomplete');
    expect(await planOf(token)).toMatchObject({ plan: 'free' });
    const t0 = Date.now();
    fake.setStatus(subscription.id, 'active');
    const updated = fake.event(
      'customer.subscription.updated',
      { ...subscription, status: 'active' },
      t0 + 2_000,
    );
    const created = fake.event(
      'customer.subscription.created',
      { ...subscription, status: 'incomplete' },
      t0,
    );
    expect((await deliver(updated)).json().outcome).toBe('applied');
    expect(await planOf(token)).toMatchObject({ plan: 'pro' });
    expect((await deliver(created)).json().outcome).toBe('applied');
    expect(await planOf(token)).toMatchObject({ plan: 'pro', source: 'subscription' });
    expect((await repository.planHistory(olga)).map((change) => change.status)).toEqual(['active']);
  });

  it('payment failure → past_due → entitlements drop; paid again → back; cancellation → free; history kept', async () => {
    const signUp = await harness.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up',
      payload: { email: 'pat@example.com', password: 'pat password 1' },
    });
    const { token, owner } = signUp.json();
    const { subscription } = await subscribe(token, owner);
    const invoice = (id: string) => ({
      id,
      object: 'invoice',
      parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id } },
    });
    const proAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));

    fake.setStatus(subscription.id, 'past_due');
    expect((await deliver(fake.event('invoice.payment_failed', invoice('in_1')))).json().outcome).toBe(
      'applied',
    );
    expect(await planOf(token)).toMatchObject({ plan: 'free', source: 'fallback', maxAlertRules: 5 });
    const pastDueAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));

    fake.setStatus(subscription.id, 'active');
    await deliver(fake.event('invoice.paid', invoice('in_2')));
    expect(await planOf(token)).toMatchObject({ plan: 'pro' });

    fake.setStatus(subscription.id, 'active', { cancel_at_period_end: true });
    await deliver(fake.event('customer.subscription.updated', subscription));
    expect(await planOf(token)).toMatchObject({ plan: 'pro' });
    fake.setStatus(subscription.id, 'canceled');
    await deliver(fake.event('customer.subscription.deleted', subscription));
    expect(await planOf(token)).toMatchObject({ plan: 'free', source: 'fallback' });

    const history = await repository.planHistory(owner);
    expect(history.map((change) => `${change.plan}/${change.status}`)).toEqual([
      'pro/active',
      'free/past_due',
      'pro/active',
      'free/canceled',
    ]);
    const at = (time: number) =>
      harness.app
        .inject({ url: `/v1/billing/entitlements?at=${time}`, headers: bearer(token) })
        .then((response) => response.json().plan);
    expect([await at(proAt), await at(pastDueAt)]).toEqual(['pro', 'free']);

    // the billing topic alone rebuilds the same answers
    const records: PlanChange[] = [];
    const consumer = await harness.log.consume({
      groupId: `billing-rebuild-${owner}`,
      topics: [BILLING_TOPIC],
      handler: async (batch) => {
        for (const record of batch.records) records.push(planChangeOfRecord(record));
      },
    });
    await expect.poll(() => records.filter((change) => change.owner === owner).length).toBe(4);
    await consumer.close();
    expect(planChangeAt(records, owner, proAt)?.plan).toBe('pro');
    expect(planChangeAt(records, owner, pastDueAt)?.status).toBe('past_due');
    expect(planChangeAt(records, owner, Date.now())?.status).toBe('canceled');
  });

  it('reconcile re-reads live subscriptions and repairs drift a missed webhook left', async () => {
    const [alices] = await repository.subscriptionsOf('alice');
    if (!alices) throw new Error('alice subscribed in the first test');
    fake.setStatus(alices.subscriptionId, 'unpaid');
    const result = await service.reconcile();
    expect(result.changed).toBe(1);
    expect(result.checked).toBeGreaterThanOrEqual(3);
    expect(await planOf(harness.keys.alice)).toMatchObject({ plan: 'free' });
    expect((await service.reconcile()).changed).toBe(0);
  });

  it('answers 503 NXR_BILLING_NOT_CONFIGURED without Stripe, and 400 for an unknown lookup key', async () => {
    const app = await buildApp({
      ...harness.deps,
      billing: { plans, entitlements: repository, service: null },
    });
    try {
      const checkout = await app.inject({
        method: 'POST',
        url: '/v1/billing/checkout',
        headers: bearer(harness.keys.bob),
        payload: {},
      });
      expect(checkout.statusCode).toBe(503);
      expect(checkout.json().error.code).toBe('NXR_BILLING_NOT_CONFIGURED');
      const webhook = await app.inject({
        method: 'POST',
        url: '/v1/billing/stripe/webhook',
        payload: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(webhook.statusCode).toBe(503);
    } finally {
      await app.close();
    }
    const unknown = await harness.app.inject({
      method: 'POST',
      url: '/v1/billing/checkout',
      headers: bearer(harness.keys.bob),
      payload: { lookupKey: 'gold' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toBe('no plan is sold as "gold"; known: pro_monthly, pro_yearly');
  });
});
