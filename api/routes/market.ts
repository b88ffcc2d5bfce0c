import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  barPageSchema,
  barsQuerySchema,
  errorEnvelopeSchema,
  marketParamsSchema,
  quoteTickSchema,
  seriesParamsSchema,
  symbolListSchema,
} from '../../schemas/api.js';
import { barSchema } from '../../schemas/bar.js';
import { NexuralError } from '../../schemas/errors.js';
import { MIN_EVENT_TIME_MS } from '../../schemas/market.js';
import type { LiveMarketFeed } from '../../schemas/ports/live-market.js';
import type { MarketExtrasReader } from '../../schemas/ports/market-extras.js';
import type { PlanEnforcer } from '../billing/plan-enforcer.js';
import type { ResponseCache } from '../cache/response-cache.js';
import type { ApiStore } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { sendJsonText } from '../plugins/send-json.js';
import { delayedRange, listRange } from './list-range.js';

export interface MarketRoutesOptions {
  readonly store: ApiStore;
  readonly extras: MarketExtrasReader;
  readonly live: LiveMarketFeed | null;
  readonly cache: ResponseCache;
  readonly plans: PlanEnforcer;
}

const notFound = (what: string) => new NexuralError('NXR_NOT_FOUND', what);
const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  402: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
};

/** Market data every signed-in user may read: symbols, latest bar and quote, bar ranges. */
export async function marketRoutes(app: FastifyInstance, options: MarketRoutesOptions): Promise<void> {
  const { store, extras, live, cache, plans } = options;
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    '/symbols',
    {
      schema: {
        tags: ['market'],
        summary: 'every symbol with stored data',
        response: { 200: symbolListSchema, 401: errorEnvelopeSchema },
      },
    },
    async (_request, reply) => {
      const body = await cache.get('symbols', async () =>
        JSON.stringify({ items: await store.listSymbols() }),
      );
      return sendJsonText(reply, body);
    },
  );

  routes.get(
    '/markets/:venue/:symbol/bars/:interval/latest',
    {
      schema: {
        tags: ['market'],
        summary: 'the newest bar of a series (forming or final)',
        description: 'Served from the live feed when it has seen the series, else from the store.',
        params: seriesParamsSchema,
        response: { 200: barSchema, ...errors },
      },
    },
    async (request, reply) => {
      const series = request.params;
      const cutoff = await plans.barCutoff(principalOf(request).owner, series.interval);
      if (cutoff !== null) {
        // a delayed plan: the newest bar that had closed by now − delay
        const [bar] = (
          await store.bars({ ...series, from: MIN_EVENT_TIME_MS, to: cutoff, order: 'desc', limit: 1 })
        ).items;
        if (!bar)
          throw notFound(
            `no bars for ${series.venue}:${series.symbol} ${series.interval} yet on your plan's delay`,
          );
        return sendJsonText(reply, JSON.stringify(bar));
      }
      const fresh = live?.latestBar(series);
      const body = fresh
        ? JSON.stringify(fresh)
        : await cache.get(`latest:${series.venue}:${series.symbol}:${series.interval}`, async () =>
            JSON.stringify(await store.latestBar(series)),
          );
      if (body === 'null') throw notFound(`no bars for ${series.venue}:${series.symbol} ${series.interval}`);
      return sendJsonText(reply, body);
    },
  );

  routes.get(
    '/markets/:venue/:symbol/quote',
    {
      schema: {
        tags: ['market'],
        summary: 'the newest stored quote (best bid/offer)',
        params: marketParamsSchema,
        response: { 200: quoteTickSchema, ...errors },
      },
    },
    async (request) => {
      await plans.assertRealTime(principalOf(request).owner, 'the live quote');
      const quote = await extras.latestQuote(request.params);
      if (!quote) throw notFound(`no quotes for ${request.params.venue}:${request.params.symbol}`);
      return quote;
    },
  );

  routes.get(
    '/markets/:venue/:symbol/bars/:interval',
    {
      schema: {
        tags: ['market'],
        summary:
          'bars by open time in [from, to) (both optional), oldest first with from, else newest first; paginated',
        params: seriesParamsSchema,
        querystring: barsQuerySchema,
        response: { 200: barPageSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { limit, cursor, final } = request.query;
      const cutoff = await plans.barCutoff(principalOf(request).owner, request.params.interval);
      const range = delayedRange(listRange(request.query), cutoff);
      const body = await cache.get(`bars:${cutoff === null ? '' : `${cutoff}:`}${request.url}`, async () =>
        JSON.stringify(
          await store.bars({
            ...request.params,
            ...range,
            ...(limit === undefined ? {} : { limit }),
            cursor: cursor ?? null,
            finalOnly: final ?? false,
          }),
        ),
      );
      return sendJsonText(reply, body);
    },
  );
}
