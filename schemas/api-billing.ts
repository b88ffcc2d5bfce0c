import { z } from 'zod';
import { timeTextSchema } from './api.js';
import { entitlementsSchema } from './plans.js';

export const entitlementsQuerySchema = z.object({
  at: timeTextSchema('at').optional().describe('a past time: the entitlements then (default now)'),
});

export const userEntitlementsSchema = entitlementsSchema.extend({
  plan: z.string().describe('plan whose entitlements apply'),
  source: z.enum(['subscription', 'grant', 'fallback']).describe('why: a subscription, a grant, or neither'),
  at: z.number().describe('the time asked about, ms since epoch'),
});

export const planListSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      stripeLookupKeys: z.array(z.string()).describe('what POST /v1/billing/checkout takes as lookupKey'),
      entitlements: entitlementsSchema,
    }),
  ),
});

export const checkoutBodySchema = z.object({
  lookupKey: z
    .string()
    .min(1)
    .max(200)
    .default('pro_monthly')
    .describe('Stripe price lookup key of the plan to buy (GET /v1/billing/plans lists them)'),
});

export const checkoutSchema = z.object({
  id: z.string().describe('Stripe Checkout Session id'),
  url: z.string().describe('send the user here to pay'),
});

export const portalSchema = z.object({
  url: z.string().describe('Stripe Customer Portal: manage or cancel'),
});

export const webhookReceiptSchema = z.object({
  received: z.literal(true),
  outcome: z
    .enum(['applied', 'replayed', 'ignored'])
    .describe('replayed = this event id was processed before'),
});
