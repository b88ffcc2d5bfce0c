import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { storedStrategyMetrics } from '../../consumers/strategy/round-trips.js';
import { errorEnvelopeSchema } from '../../schemas/api.js';
import { NexuralError } from '../../schemas/errors.js';
import { MAX_EVENT_TIME_MS } from '../../schemas/market.js';
import type { StoredStrategy, StrategyStore } from '../../schemas/ports/strategies.js';
import {
  storedStrategySchema,
  strategyBodySchema,
  strategyEquitySchema,
  strategyFillListSchema,
  strategyListSchema,
  strategyMetricsSchema,
  strategyParamsSchema,
  strategyPositionsSchema,
  strategyRangeQuerySchema,
} from '../../schemas/strategy-api.js';
import { canonicalStrategy } from '../indicators/canonical-strategy.js';
import { principalOf } from '../plugins/auth.js';

export interface StrategyRoutesOptions {
  /** null = every strategy route answers NXR_SERVICE_UNAVAILABLE */
  readonly strategies: StrategyStore | null;
}

const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  403: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
  409: errorEnvelopeSchema,
  503: errorEnvelopeSchema,
};

const notFound = (id: string) =>
  new NexuralError('NXR_NOT_FOUND', `you have no strategy "${id}"`, { path: ['id'] });

const view = ({ id, enabled, strategy, createdAt, updatedAt }: StoredStrategy) => ({
  id,
  enabled,
  strategy,
  createdAt,
  updatedAt,
});

/**
 * The caller's strategies (paper trading by the live `strategy` consumer) and what they did: fills, open
 * positions, equity curve, metrics. Every read and write is the caller's own (store queries by owner; the
 * tables carry row-level security too).
 */
export async function strategyRoutes(app: FastifyInstance, options: StrategyRoutesOptions): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const store = (): StrategyStore => {
    if (options.strategies) return options.strategies;
    throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'this process has no strategy store');
  };
  const own = async (owner: string, id: string) => {
    const found = await store().getStrategy(owner, id);
    if (!found) throw notFound(id);
    return found;
  };
  const save = async (owner: string, id: string, body: z.output<typeof strategyBodySchema>) =>
    view(
      await store().putStrategy({
        id,
        owner,
        strategy: canonicalStrategy(body.strategy),
        enabled: body.enabled,
      }),
    );
  const tags = ['strategies'];

  routes.get(
    '/strategies',
    { schema: { tags, summary: 'your strategies', response: { 200: strategyListSchema, ...errors } } },
    async (request) => ({
      items: (await store().listStrategies(principalOf(request).owner)).map(view),
    }),
  );

  routes.get(
    '/strategies/:id',
    {
      schema: {
        tags,
        summary: 'one of your strategies',
        params: strategyParamsSchema,
        response: { 200: storedStrategySchema, ...errors },
      },
    },
    async (request) => view(await own(principalOf(request).owner, request.params.id)),
  );

  routes.post(
    '/strategies',
    {
      config: { access: 'write' },
      schema: {
        tags,
        summary: 'create a strategy (id generated when absent); the live consumer starts it within 10 s',
        body: strategyBodySchema,
        response: { 201: storedStrategySchema, ...errors },
      },
    },
    async (request, reply) => {
      const owner = principalOf(request).owner;
      const id = request.body.id ?? `strategy_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
      if (await store().getStrategy(owner, id))
        throw new NexuralError('NXR_CONFLICT', `you already have a strategy "${id}"; PUT replaces it`, {
          path: ['id'],
        });
      return reply.code(201).send(await save(owner, id, request.body));
    },
  );

  routes.put(
    '/strategies/:id',
    {
      config: { access: 'write' },
      schema: {
        tags,
        summary: 'create or replace a strategy (its fills and open positions stay)',
        params: strategyParamsSchema,
        body: strategyBodySchema,
        response: { 200: storedStrategySchema, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (request.body.id !== undefined && request.body.id !== id)
        throw new NexuralError(
          'NXR_BAD_VALUE',
          `body id "${request.body.id}" differs from the path's "${id}"`,
          {
            path: ['id'],
          },
        );
      return save(principalOf(request).owner, id, request.body);
    },
  );

  routes.delete(
    '/strategies/:id',
    {
      config: { access: 'write' },
      schema: {
        tags,
        summary: 'delete a strategy with its fills, equity and positions',
        params: strategyParamsSchema,
        response: { 204: z.null().describe('deleted'), ...errors },
      },
    },
    async (request, reply) => {
      if (!(await store().deleteStrategy(principalOf(request).owner, request.params.id)))
        throw notFound(request.params.id);
      return reply.code(204).send(null);
    },
  );

  routes.get(
    '/strategies/:id/positions',
    {
      schema: {
        tags,
        summary: 'open paper positions, as the live consumer last saved them',
        params: strategyParamsSchema,
        response: { 200: strategyPositionsSchema, ...errors },
      },
    },
    async (request) => {
      const owner = principalOf(request).owner;
      await own(owner, request.params.id);
      return { items: [...(await store().positions(owner, request.params.id))] };
    },
  );

  routes.get(
    '/strategies/:id/trades',
    {
      schema: {
        tags,
        summary: 'paper fills by time (entries and exits; exits carry the round trip PnL)',
        params: strategyParamsSchema,
        querystring: strategyRangeQuerySchema,
        response: { 200: strategyFillListSchema, ...errors },
      },
    },
    async (request) => {
      const owner = principalOf(request).owner;
      await own(owner, request.params.id);
      const { from = 0, to = MAX_EVENT_TIME_MS, limit } = request.query;
      const fills = await store().fills(owner, request.params.id, { from, to, limit });
      return { items: fills.map(({ strategyId: _s, owner: _o, ...fill }) => fill) };
    },
  );

  routes.get(
    '/strategies/:id/equity',
    {
      schema: {
        tags,
        summary: 'equity curve (one point per final bar) with its drawdown',
        params: strategyParamsSchema,
        querystring: strategyRangeQuerySchema,
        response: { 200: strategyEquitySchema, ...errors },
      },
    },
    async (request) => {
      const owner = principalOf(request).owner;
      await own(owner, request.params.id);
      const { from = 0, to = MAX_EVENT_TIME_MS, limit } = request.query;
      let peak = Number.NEGATIVE_INFINITY;
      const points = await store().equity(owner, request.params.id, { from, to, limit });
      return {
        items: points.map((point) => {
          peak = Math.max(peak, point.equity);
          return { ...point, drawdown: (peak - point.equity) / peak };
        }),
      };
    },
  );

  routes.get(
    '/strategies/:id/metrics',
    {
      schema: {
        tags,
        summary:
          'metrics of the closed round trips and the whole equity curve (formulas: consumers/strategy/README.md)',
        params: strategyParamsSchema,
        response: { 200: strategyMetricsSchema, ...errors },
      },
    },
    async (request) => {
      const owner = principalOf(request).owner;
      const { strategy } = await own(owner, request.params.id);
      return (await storedStrategyMetrics(store(), owner, request.params.id, strategy)).metrics;
    },
  );
}
