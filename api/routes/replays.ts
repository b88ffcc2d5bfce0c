import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorEnvelopeSchema, pageQuerySchema, replayRunPageSchema } from '../../schemas/api.js';
import type { ReplayRunReader } from '../../schemas/ports/market-extras.js';

const DEFAULT_LIMIT = 100;

/** Replay runs, newest first (runs are shared market history, like bars, not user data). */
export async function replayRoutes(
  app: FastifyInstance,
  options: { readonly replays: ReplayRunReader },
): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/replays',
    {
      schema: {
        tags: ['replays'],
        summary: 'replay runs, newest first, paginated',
        querystring: pageQuerySchema,
        response: { 200: replayRunPageSchema, 400: errorEnvelopeSchema, 401: errorEnvelopeSchema },
      },
    },
    async (request) => {
      const page = await options.replays.replayRuns({
        limit: request.query.limit ?? DEFAULT_LIMIT,
        cursor: request.query.cursor ?? null,
      });
      return {
        items: page.items.map((run) => ({ ...run, source: { ...run.source } })),
        nextCursor: page.nextCursor,
      };
    },
  );
}
