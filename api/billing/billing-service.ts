import Stripe from 'stripe';
import { type SubscriptionSnapshot, subscriptionStatusSchema } from '../../schemas/billing.js';
import { NexuralError } from '../../schemas/errors.js';
import type { PlanTable } from '../../schemas/plans.js';
import type { AccountRepository } from '../../schemas/ports/accounts.js';
import type { BillingRepository, PlanChangePublisher } from '../../schemas/ports/billing.js';
import { effectivePlan } from './effective-plan.js';

export interface BillingServiceOptions {
  readonly stripe: Stripe;
  readonly webhookSecret: string;
  readonly repository: BillingRepository;
  readonly accounts: AccountRepository;
  readonly plans: PlanTable;
  readonly publisher: PlanChangePublisher;
  readonly now?: () => number;
}

export type WebhookOutcome =
  | { readonly kind: 'replayed'; readonly eventId: string }
  | { readonly kind: 'ignored'; readonly eventId: string; readonly type: string }
  | { readonly kind: 'applied'; readonly eventId: string; readonly type: string; readonly changed: boolean };

export interface BillingService {
  checkout(
    owner: string,
    lookupKey: string,
    urls: { successUrl: string; cancelUrl: string },
  ): Promise<{ id: string; url: string }>;
  portal(owner: string, returnUrl: string): Promise<{ url: string }>;
  /** Verifies the raw body's signature (tolerance 300 s), then applies the event once. */
  handleWebhook(rawBody: Buffer, signature: string | undefined): Promise<WebhookOutcome>;
  /** Re-reads every subscription not in a final state from Stripe and repairs drift. */
  reconcile(): Promise<{ readonly checked: number; readonly changed: number }>;
}

export const WEBHOOK_TOLERANCE_SECONDS = 300;

const idOf = (value: string | { readonly id: string } | null | undefined): string | null =>
  value == null ? null : typeof value === 'string' ? value : value.id;

/** Stripe unreachable or failing: retryable (a webhook answers 503 and Stripe delivers it again). */
function stripeFailure(error: unknown, what: string): NexuralError {
  if (error instanceof Stripe.errors.StripeInvalidRequestError) {
    return new NexuralError('NXR_BAD_VALUE', `Stripe refused ${what}: ${error.message}`, {
      stripeCode: error.code ?? null,
    });
  }
  return new NexuralError(
    'NXR_SERVICE_UNAVAILABLE',
    `Stripe did not answer ${what}: ${(error as Error).message}`,
    {},
    { cause: error },
  );
}

const subscriptionEvents = new Set([
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.trial_will_end',
]);

/** Checkout, portal, webhooks and reconciliation against Stripe through the official SDK. */
export function createBillingService(options: BillingServiceOptions): BillingService {
  const { stripe, repository, plans } = options;
  const now = options.now ?? Date.now;

  const snapshotOf = (subscription: Stripe.Subscription, observedAt: number): SubscriptionSnapshot => {
    const item = subscription.items.data[0];
    const status = subscriptionStatusSchema.safeParse(subscription.status);
    return {
      subscriptionId: subscription.id,
      customerId: idOf(subscription.customer) ?? '',
      status: status.success ? status.data : 'incomplete',
      priceId: item?.price.id ?? '',
      lookupKey: item?.price.lookup_key ?? null,
      currentPeriodEnd: item?.current_period_end ? item.current_period_end * 1000 : null,
      cancelAtPeriodEnd: subscription.cancel_at_period_end,
      observedAt,
    };
  };

  /** Re-reads the subscription (never trusts an event's copy: events may arrive out of order) and applies it. */
  const sync = async (subscriptionId: string, reason: string, ownerHint: string | null): Promise<boolean> => {
    let subscription: Stripe.Subscription;
    try {
      subscription = await stripe.subscriptions.retrieve(subscriptionId);
    } catch (error) {
      throw stripeFailure(error, `subscription ${subscriptionId}`);
    }
    const observedAt = now();
    const snapshot = snapshotOf(subscription, observedAt);
    const owner =
      (await repository.ownerOfCustomer(snapshot.customerId)) ??
      ownerHint ??
      subscription.metadata.nexural_user ??
      null;
    if (!owner) return false;
    if ((await repository.customerOf(owner)) === null)
      await repository.linkCustomer(owner, snapshot.customerId);
    await repository.putSubscription(snapshot);
    const plan = effectivePlan(await repository.subscriptionsOf(owner), plans);
    if (!plan) return false;
    const change = { ...plan, owner, at: observedAt, reason };
    const appended = await repository.appendPlanChange(change);
    if (appended) await options.publisher.publish(change);
    return appended;
  };

  const ensureCustomer = async (owner: string): Promise<string> => {
    const existing = await repository.customerOf(owner);
    if (existing) return existing;
    const user = await options.accounts.getUser(owner);
    try {
      const customer = await stripe.customers.create(
        { ...(user?.email ? { email: user.email } : {}), metadata: { nexural_user: owner } },
        { idempotencyKey: `nexural-customer-${owner}` },
      );
      await repository.linkCustomer(owner, customer.id);
      return customer.id;
    } catch (error) {
      throw stripeFailure(error, 'a new customer');
    }
  };

  return {
    async checkout(owner, lookupKey, urls) {
      if (!plans.byLookupKey(lookupKey)) {
        const known = plans.plans.flatMap((plan) => plan.stripeLookupKeys);
        throw new NexuralError(
          'NXR_BAD_VALUE',
          `no plan is sold as "${lookupKey}"; known: ${known.join(', ')}`,
          {
            path: ['lookupKey'],
          },
        );
      }
      const customer = await ensureCustomer(owner);
      try {
        const prices = await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
        const price = prices.data[0];
        if (!price)
          throw new NexuralError(
            'NXR_CONFIG_INVALID',
            `Stripe has no active price with lookup key "${lookupKey}"`,
          );
        const session = await stripe.checkout.sessions.create({
          mode: 'subscription',
          customer,
          client_reference_id: owner,
          line_items: [{ price: price.id, quantity: 1 }],
          subscription_data: { metadata: { nexural_user: owner } },
          success_url: urls.successUrl,
          cancel_url: urls.cancelUrl,
        });
        if (!session.url) throw new NexuralError('NXR_INTERNAL', `checkout session ${session.id} has no URL`);
        return { id: session.id, url: session.url };
      } catch (error) {
        if (error instanceof NexuralError) throw error;
        throw stripeFailure(error, 'a checkout session');
      }
    },

    async portal(owner, returnUrl) {
      const customer = await repository.customerOf(owner);
      if (!customer) {
        throw new NexuralError(
          'NXR_NOT_FOUND',
          'you have no billing account yet; subscribe with POST /v1/billing/checkout',
        );
      }
      try {
        const session = await stripe.billingPortal.sessions.create({ customer, return_url: returnUrl });
        return { url: session.url };
      } catch (error) {
        throw stripeFailure(error, 'a portal session');
      }
    },

    async handleWebhook(rawBody, signature) {
      let event: Stripe.Event;
      try {
        if (!signature) throw new Error('no Stripe-Signature header');
        event = stripe.webhooks.constructEvent(
          rawBody,
          signature,
          options.webhookSecret,
          WEBHOOK_TOLERANCE_SECONDS,
        );
      } catch (error) {
        throw new NexuralError('NXR_SIGNATURE_INVALID', `webhook refused: ${(error as Error).message}`);
      }
      await repository.recordStripeEvent({
        id: event.id,
        type: event.type,
        created: event.created * 1000,
        payload: event,
      });
      // recorded but not processed (a crash, Stripe unreachable): this delivery finishes the work
      if (await repository.stripeEventProcessed(event.id)) return { kind: 'replayed', eventId: event.id };
      const reason = `${event.id} ${event.type}`;
      let changed = false;
      let handled = true;
      if (event.type === 'checkout.session.completed') {
        const session = event.data.object;
        const customer = idOf(session.customer);
        const owner = session.client_reference_id;
        if (customer && owner) await repository.linkCustomer(owner, customer);
        const subscription = idOf(session.subscription);
        if (subscription) changed = await sync(subscription, reason, owner);
      } else if (subscriptionEvents.has(event.type)) {
        const subscription = event.data.object as Stripe.Subscription;
        changed = await sync(subscription.id, reason, null);
      } else if (event.type === 'invoice.paid' || event.type === 'invoice.payment_failed') {
        const invoice = event.data.object;
        const subscription = idOf(invoice.parent?.subscription_details?.subscription);
        if (subscription) changed = await sync(subscription, reason, null);
      } else {
        handled = false;
      }
      await repository.markStripeEventProcessed(event.id, now());
      return handled
        ? { kind: 'applied', eventId: event.id, type: event.type, changed }
        : { kind: 'ignored', eventId: event.id, type: event.type };
    },

    async reconcile() {
      const ids = await repository.liveSubscriptionIds();
      let changed = 0;
      for (const id of ids) if (await sync(id, 'reconcile', null)) changed += 1;
      return { checked: ids.length, changed };
    },
  };
}
