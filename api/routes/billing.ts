import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorEnvelopeSchema } from '../../schemas/api.js';
import {
  checkoutBodySchema,
  checkoutSchema,
  entitlementsQuerySchema,
  planListSchema,
  portalSchema,
  userEntitlementsSchema,
  webhookReceiptSchema,
} from '../../schemas/api-billing.js';
import { NexuralError } from '../../schemas/errors.js';
import type { BillingService } from '../billing/billing-service.js';
import type { BillingDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  403: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
  503: errorEnvelopeSchema,
};

const WEBHOOK_BODY_BYTES = 1024 * 1024;

export interface BillingRoutesOptions {
  readonly billing: BillingDeps | null;
  readonly publicUrl: string;
  readonly now: () => number;
}

/** Plans, the caller's entitlements, Stripe Checkout / Customer Portal, and the Stripe webhook. */
export async function billingRoutes(app: FastifyInstance, options: BillingRoutesOptions): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const base = options.publicUrl.replace(/\/$/, '');
  const stripeOrFail = (): BillingService => {
    if (!options.billing?.service) {
      throw new NexuralError(
        'NXR_BILLING_NOT_CONFIGURED',
        'billing is not configured here: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET',
      );
    }
    return options.billing.service;
  };
  const billingOrFail = (): BillingDeps => {
    if (!options.billing)
      throw new NexuralError('NXR_BILLING_NOT_CONFIGURED', 'plans are not enforced in this process');
    return options.billing;
  };

  routes.get(
    '/billing/plans',
    {
      schema: {
        tags: ['billing'],
        summary: 'the plans and what each includes',
        response: { 200: planListSchema, ...errors },
      },
    },
    async () => ({
      items: billingOrFail().plans.plans.map((plan) => ({
        id: plan.id,
        name: plan.name,
        stripeLookupKeys: [...plan.stripeLookupKeys],
        entitlements: plan.entitlements,
      })),
    }),
  );

  routes.get(
    '/billing/entitlements',
    {
      schema: {
        tags: ['billing'],
        summary: 'your plan and entitlements, now or at a past time',
        querystring: entitlementsQuerySchema,
        response: { 200: userEntitlementsSchema, ...errors },
      },
    },
    async (request) => {
      const at = request.query.at ?? options.now();
      return { ...(await billingOrFail().entitlements.entitlementsFor(principalOf(request).owner, at)), at };
    },
  );

  routes.post(
    '/billing/checkout',
    {
      config: { access: 'write' },
      schema: {
        tags: ['billing'],
        summary: 'a Stripe Checkout Session for a plan; redirect the user to its url',
        body: checkoutBodySchema,
        response: { 201: checkoutSchema, ...errors },
      },
    },
    async (request, reply) => {
      const session = await stripeOrFail().checkout(principalOf(request).owner, request.body.lookupKey, {
        successUrl: `${base}/billing.html?checkout=success`,
        cancelUrl: `${base}/billing.html?checkout=cancelled`,
      });
      return reply.code(201).send(session);
    },
  );

  routes.post(
    '/billing/portal',
    {
      config: { access: 'write' },
      schema: {
        tags: ['billing'],
        summary: 'a Stripe Customer Portal session (change card, cancel); redirect the user to its url',
        response: { 200: portalSchema, ...errors },
      },
    },
    async (request) => stripeOrFail().portal(principalOf(request).owner, `${base}/billing.html`),
  );

  // The signature covers the exact bytes Stripe sent: this route keeps the body raw.
  await app.register(async (webhook) => {
    webhook.removeAllContentTypeParsers();
    webhook.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_BYTES },
      (_request, body, done) => done(null, body),
    );
    webhook.withTypeProvider<ZodTypeProvider>().post(
      '/billing/stripe/webhook',
      {
        config: { access: 'public' },
        schema: {
          tags: ['billing'],
          summary: 'Stripe webhook endpoint (Stripe-Signature verified on the raw body, tolerance 300 s)',
          response: { 200: webhookReceiptSchema, ...errors },
        },
      },
      async (request) => {
        const signature = request.headers['stripe-signature'];
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const outcome = await stripeOrFail().handleWebhook(
          body,
          typeof signature === 'string' ? signature : undefined,
        );
        request.log.info({ stripeEvent: outcome.eventId, outcome: outcome.kind }, 'stripe webhook');
        return { received: true as const, outcome: outcome.kind };
      },
    );
  });
}
