import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  computedIndicatorSchema,
  computeQuerySchema,
  errorEnvelopeSchema,
  indicatorCatalogSchema,
  indicatorPageSchema,
  indicatorsQuerySchema,
  seriesParamsSchema,
} from '../../schemas/api.js';
import type { PlanEnforcer } from '../billing/plan-enforcer.js';
import type { ResponseCache } from '../cache/response-cache.js';
import type { ApiStore } from '../deps.js';
import { computeIndicator } from '../indicators/compute-indicator.js';
import { indicatorCatalog } from '../indicators/indicator-catalog.js';
import { principalOf } from '../plugins/auth.js';
import { sendJsonText } from '../plugins/send-json.js';
import { delayedRange, listRange } from './list-range.js';

export interface IndicatorRoutesOptions {
  readonly store: ApiStore;
  readonly cache: ResponseCache;
  readonly plans: PlanEnforcer;
}

const DEFAULT_WARMUP_BARS = 500;
const errors = { 400: errorEnvelopeSchema, 401: errorEnvelopeSchema };

/** Indicator values: those the pipeline stored, and any registry spec computed over stored bars. */
export async function indicatorRoutes(app: FastifyInstance, options: IndicatorRoutesOptions): Promise<void> {
  const { store, cache } = options;
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const catalog = JSON.stringify({ items: indicatorCatalog() });

  routes.get(
    '/indicators',
    {
      schema: {
        tags: ['indicators'],
        summary:
          'every indicator of the registry: parameters, defaults and outputs (what a rule or chart may use)',
        response: { 200: indicatorCatalogSchema, 401: errorEnvelopeSchema },
      },
    },
    async (_request, reply) => sendJsonText(reply, catalog),
  );

  routes.get(
    '/markets/:venue/:symbol/indicators/:interval',
    {
      schema: {
        tags: ['indicators'],
        summary:
          'stored indicator values by bar open time in [from, to) (both optional) then spec; oldest first with from, else newest first; paginated',
        params: seriesParamsSchema,
        querystring: indicatorsQuerySchema,
        response: { 200: indicatorPageSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { limit, cursor, spec } = request.query;
      const cutoff = await options.plans.barCutoff(principalOf(request).owner, request.params.interval);
      const range = delayedRange(listRange(request.query), cutoff);
      const body = await cache.get(
        `indicators:${cutoff === null ? '' : `${cutoff}:`}${request.url}`,
        async () =>
          JSON.stringify(
            await store.indicatorValues({
              ...request.params,
              ...range,
              ...(limit === undefined ? {} : { limit }),
              ...(spec === undefined ? {} : { spec }),
              cursor: cursor ?? null,
            }),
          ),
      );
      return sendJsonText(reply, body);
    },
  );

  routes.get(
    '/markets/:venue/:symbol/indicators/:interval/compute',
    {
      schema: {
        tags: ['indicators'],
        summary: 'any registry indicator computed now over the stored bars in [from, to)',
        description:
          'Values start once the indicator is warm; at most 50 000 bars are read (warm-up included).',
        params: seriesParamsSchema,
        querystring: computeQuerySchema,
        response: { 200: computedIndicatorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { from, spec, warmup } = request.query;
      const cutoff = await options.plans.barCutoff(principalOf(request).owner, request.params.interval);
      const to =
        cutoff === null || (request.query.to !== undefined && request.query.to <= cutoff)
          ? request.query.to
          : cutoff;
      const body = await cache.get(`compute:${cutoff === null ? '' : `${cutoff}:`}${request.url}`, async () =>
        JSON.stringify(
          await computeIndicator(store, request.params, {
            from,
            to,
            spec,
            warmup: warmup ?? DEFAULT_WARMUP_BARS,
          }),
        ),
      );
      return sendJsonText(reply, body);
    },
  );
}
