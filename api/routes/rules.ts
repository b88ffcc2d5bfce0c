import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AlertRule } from '../../schemas/alert-rule.js';
import {
  alertRuleSchema,
  errorEnvelopeSchema,
  ruleBodySchema,
  ruleListSchema,
  ruleParamsSchema,
} from '../../schemas/api.js';
import { NexuralError } from '../../schemas/errors.js';
import type { RuleChangePublisher } from '../../schemas/ports/rule-changes.js';
import { parseOrThrow } from '../../schemas/validate.js';
import type { PlanEnforcer } from '../billing/plan-enforcer.js';
import type { ApiStore } from '../deps.js';
import { canonicalRule } from '../indicators/canonical-rule.js';
import { principalOf } from '../plugins/auth.js';

export interface RuleRoutesOptions {
  readonly store: ApiStore;
  readonly rules: RuleChangePublisher;
  readonly plans: PlanEnforcer;
}

const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  403: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
  409: errorEnvelopeSchema,
  429: errorEnvelopeSchema,
};

const ruleNotFound = (id: string) =>
  new NexuralError('NXR_NOT_FOUND', `you have no rule "${id}"`, { path: ['id'] });

/**
 * Alert rules of the caller. A write goes to the store first (which refuses an id another owner holds), then
 * to the alert-rules topic the running processors read; a delete goes to the topic first. Either order makes
 * a retry of a request that failed half-way finish the job, and the pipeline never runs a rule the store
 * does not know.
 */
export async function ruleRoutes(app: FastifyInstance, options: RuleRoutesOptions): Promise<void> {
  const { store, rules, plans } = options;
  const assertRoomForOneMore = async (owner: string) =>
    plans.assertRuleQuota(owner, (await store.listAlertRules(owner)).length);
  const routes = app.withTypeProvider<ZodTypeProvider>();

  const save = async (rule: AlertRule): Promise<AlertRule> => {
    await store.putAlertRule(rule);
    await rules.publish({ kind: 'upsert', rule });
    return rule;
  };

  const ruleOf = (owner: string, id: string, body: z.output<typeof ruleBodySchema>): AlertRule =>
    canonicalRule(parseOrThrow(alertRuleSchema, { ...body, id, owner }, 'alert rule'));

  routes.get(
    '/rules',
    {
      schema: { tags: ['rules'], summary: 'your alert rules', response: { 200: ruleListSchema, ...errors } },
    },
    async (request) => ({ items: [...(await store.listAlertRules(principalOf(request).owner))] }),
  );

  routes.get(
    '/rules/:id',
    {
      schema: {
        tags: ['rules'],
        summary: 'one of your alert rules',
        params: ruleParamsSchema,
        response: { 200: alertRuleSchema, ...errors },
      },
    },
    async (request) => {
      const rule = await store.getAlertRule(principalOf(request).owner, request.params.id);
      if (!rule) throw ruleNotFound(request.params.id);
      return rule;
    },
  );

  routes.post(
    '/rules',
    {
      config: { access: 'write' },
      schema: {
        tags: ['rules'],
        summary: 'create an alert rule (id generated when absent); the running pipeline picks it up',
        body: ruleBodySchema,
        response: { 201: alertRuleSchema, ...errors },
      },
    },
    async (request, reply) => {
      const owner = principalOf(request).owner;
      const id = request.body.id ?? `rule_${randomUUID().replaceAll('-', '')}`;
      if (await store.getAlertRule(owner, id)) {
        throw new NexuralError(
          'NXR_CONFLICT',
          `you already have a rule "${id}"; PUT /v1/rules/${id} replaces it`,
          {
            path: ['id'],
          },
        );
      }
      const rule = ruleOf(owner, id, request.body);
      await assertRoomForOneMore(owner);
      return reply.code(201).send(await save(rule));
    },
  );

  routes.put(
    '/rules/:id',
    {
      config: { access: 'write' },
      schema: {
        tags: ['rules'],
        summary: 'create or replace an alert rule; the running pipeline picks it up',
        params: ruleParamsSchema,
        body: ruleBodySchema,
        response: { 200: alertRuleSchema, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (request.body.id !== undefined && request.body.id !== id) {
        throw new NexuralError(
          'NXR_BAD_VALUE',
          `body id "${request.body.id}" differs from the path's "${id}"`,
          {
            path: ['id'],
          },
        );
      }
      const owner = principalOf(request).owner;
      const rule = ruleOf(owner, id, request.body);
      if (!(await store.getAlertRule(owner, id))) await assertRoomForOneMore(owner);
      return save(rule);
    },
  );

  routes.delete(
    '/rules/:id',
    {
      config: { access: 'write' },
      schema: {
        tags: ['rules'],
        summary: 'delete an alert rule; the running pipeline stops evaluating it',
        params: ruleParamsSchema,
        response: { 204: z.null().describe('deleted'), ...errors },
      },
    },
    async (request, reply) => {
      const owner = principalOf(request).owner;
      const { id } = request.params;
      if (!(await store.getAlertRule(owner, id))) throw ruleNotFound(id);
      await rules.publish({ kind: 'remove', id });
      await store.deleteAlertRule(owner, id);
      return reply.code(204).send(null);
    },
  );
}
