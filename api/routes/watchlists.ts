import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorEnvelopeSchema, ruleParamsSchema } from '../../schemas/api.js';
import { NexuralError } from '../../schemas/errors.js';
import type { RuleChangePublisher } from '../../schemas/ports/rule-changes.js';
import {
  ruleWatchlistBodySchema,
  ruleWatchlistSchema,
  watchlistBodySchema,
  watchlistHistorySchema,
  watchlistIdSchema,
  watchlistListSchema,
  watchlistSavedSchema,
  watchlistSchema,
} from '../../schemas/research.js';
import type { ApiStore } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { emptyTargetError, syncFollowingRules } from '../research/watchlist-rules.js';

export interface WatchlistRoutesOptions {
  readonly store: ApiStore;
  readonly rules: RuleChangePublisher;
}

const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  403: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
  409: errorEnvelopeSchema,
};
const params = z.object({ id: watchlistIdSchema });
const notFound = (id: string) =>
  new NexuralError('NXR_NOT_FOUND', `you have no watchlist "${id}"`, { path: ['id'] });

/** Watchlists of the caller, their history, and alert rules that follow one (their symbols kept in step). */
export async function watchlistRoutes(app: FastifyInstance, options: WatchlistRoutesOptions): Promise<void> {
  const { store, rules } = options;
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['watchlists'];

  routes.get(
    '/watchlists',
    {
      schema: {
        tags,
        summary: 'your watchlists, in order',
        response: { 200: watchlistListSchema, ...errors },
      },
    },
    async (request) => ({ items: [...(await store.watchlistsOf(principalOf(request).owner))] }),
  );

  routes.get(
    '/watchlists/:id',
    {
      schema: {
        tags,
        summary: 'one of your watchlists',
        params,
        response: { 200: watchlistSchema, ...errors },
      },
    },
    async (request) => {
      const found = await store.getWatchlist(principalOf(request).owner, request.params.id);
      if (!found) throw notFound(request.params.id);
      return found;
    },
  );

  routes.put(
    '/watchlists/:id',
    {
      config: { access: 'write' },
      schema: {
        tags,
        summary:
          'create or replace a watchlist; records the symbols that entered and left; rules following it follow',
        params,
        body: watchlistBodySchema,
        response: { 200: watchlistSavedSchema, ...errors },
      },
    },
    async (request) => {
      const owner = principalOf(request).owner;
      const { id } = request.params;
      const following = await store.rulesFollowing(owner, id);
      const empty = request.body.sections.every((section) => section.items.length === 0);
      if (following.length > 0 && empty) throw emptyTargetError(id, following);
      const saved = await store.putWatchlist(owner, id, request.body);
      const rewritten = await syncFollowingRules(store, rules, owner, saved.watchlist);
      return {
        watchlist: saved.watchlist,
        entered: [...saved.entered],
        left: [...saved.left],
        rules: rewritten,
      };
    },
  );

  routes.delete(
    '/watchlists/:id',
    {
      config: { access: 'write' },
      schema: {
        tags,
        summary: 'delete a watchlist (its history is kept); refused while rules follow it',
        params,
        response: { 204: z.null().describe('deleted'), ...errors },
      },
    },
    async (request, reply) => {
      const owner = principalOf(request).owner;
      const { id } = request.params;
      const following = await store.rulesFollowing(owner, id);
      if (following.length > 0) throw emptyTargetError(id, following);
      if (!(await store.deleteWatchlist(owner, id))) throw notFound(id);
      return reply.code(204).send(null);
    },
  );

  routes.get(
    '/watchlists/:id/history',
    {
      schema: {
        tags,
        summary: 'when symbols entered and left the watchlist, oldest first (kept after a delete)',
        params,
        response: { 200: watchlistHistorySchema, ...errors },
      },
    },
    async (request) => ({
      items: [...(await store.watchlistHistory(principalOf(request).owner, request.params.id))],
    }),
  );

  routes.put(
    '/rules/:id/watchlist',
    {
      config: { access: 'write' },
      schema: {
        tags: ['rules', ...tags],
        summary: 'make an alert rule watch the symbols of a watchlist (kept in step with it), or stop (null)',
        params: ruleParamsSchema,
        body: ruleWatchlistBodySchema,
        response: { 200: ruleWatchlistSchema, ...errors },
      },
    },
    async (request) => {
      const owner = principalOf(request).owner;
      const ruleId = request.params.id;
      const target = request.body.watchlist;
      if (!(await store.getAlertRule(owner, ruleId)))
        throw new NexuralError('NXR_NOT_FOUND', `you have no rule "${ruleId}"`, { path: ['id'] });
      if (target === null) {
        await store.setRuleWatchlist(owner, ruleId, null);
      } else {
        const watchlist = await store.getWatchlist(owner, target);
        if (!watchlist) throw notFound(target);
        if (watchlist.sections.every((section) => section.items.length === 0))
          throw new NexuralError('NXR_BAD_VALUE', `watchlist "${target}" is empty`, { path: ['watchlist'] });
        await store.setRuleWatchlist(owner, ruleId, target);
        await syncFollowingRules(store, rules, owner, watchlist);
      }
      const rule = await store.getAlertRule(owner, ruleId);
      return { rule: ruleId, watchlist: target, symbols: rule?.symbols ? [...rule.symbols] : null };
    },
  );

  routes.get(
    '/rules/:id/watchlist',
    {
      schema: {
        tags: ['rules', ...tags],
        summary: 'the watchlist an alert rule follows (null: none)',
        params: ruleParamsSchema,
        response: { 200: ruleWatchlistSchema, ...errors },
      },
    },
    async (request) => {
      const owner = principalOf(request).owner;
      const rule = await store.getAlertRule(owner, request.params.id);
      if (!rule)
        throw new NexuralError('NXR_NOT_FOUND', `you have no rule "${request.params.id}"`, { path: ['id'] });
      return {
        rule: rule.id,
        watchlist: await store.watchlistOfRule(owner, rule.id),
        symbols: rule.symbols ? [...rule.symbols] : null,
      };
    },
  );
}
