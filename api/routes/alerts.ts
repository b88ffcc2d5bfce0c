import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { alertEventPageSchema, alertEventsQuerySchema, errorEnvelopeSchema } from '../../schemas/api.js';
import type { ApiStore } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { listRange } from './list-range.js';

/** The caller's alert events (never another user's: the owner filter comes from the credential). */
export async function alertRoutes(
  app: FastifyInstance,
  options: { readonly store: ApiStore },
): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/alerts/events',
    {
      schema: {
        tags: ['alerts'],
        summary:
          'your alert events by time in [from, to) (both optional), optionally of one symbol; oldest first with from, else newest first; paginated',
        querystring: alertEventsQuerySchema,
        response: { 200: alertEventPageSchema, 400: errorEnvelopeSchema, 401: errorEnvelopeSchema },
      },
    },
    async (request) => {
      const { limit, cursor, venue, symbol } = request.query;
      const range = listRange(request.query);
      const page = await options.store.alertEvents({
        owner: principalOf(request).owner,
        ...range,
        ...(limit === undefined ? {} : { limit }),
        ...(venue === undefined || symbol === undefined ? {} : { venue, symbol }),
        cursor: cursor ?? null,
      });
      return { items: [...page.items], nextCursor: page.nextCursor };
    },
  );
}
