import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  alertRuleSchema,
  errorEnvelopeSchema,
  ruleTestBodySchema,
  ruleTestResultSchema,
} from '../../schemas/api.js';
import { isNexuralError, NexuralError } from '../../schemas/errors.js';
import type { RuleTester } from '../../schemas/ports/rule-tester.js';
import { parseOrThrow } from '../../schemas/validate.js';
import { canonicalRule } from '../indicators/canonical-rule.js';
import { principalOf } from '../plugins/auth.js';

/**
 * POST /v1/rules/test: what a rule would have fired on stored history, through the engine the pipeline runs
 * (the tester port). Nothing is saved or published.
 */
export async function ruleTestRoutes(
  app: FastifyInstance,
  options: { readonly tester: RuleTester | null },
): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/rules/test',
    {
      schema: {
        tags: ['rules'],
        summary: 'try a rule on stored history: the alerts it would have fired in [from, to)',
        description:
          'Runs the rule over the stored trades of each symbol it names (or, where no trades are stored, the stored 1m bars replayed as O→H→L→C ticks) with the live engine. Indicators warm up inside the range.',
        body: ruleTestBodySchema,
        response: {
          200: ruleTestResultSchema,
          400: errorEnvelopeSchema,
          401: errorEnvelopeSchema,
          503: errorEnvelopeSchema,
        },
      },
    },
    async (request) => {
      const { tester } = options;
      if (!tester) {
        throw new NexuralError(
          'NXR_SERVICE_UNAVAILABLE',
          'rule tests are not available on this API instance',
        );
      }
      const { rule: body, from, to } = request.body;
      const owner = principalOf(request).owner;
      // checks of the rule (here and in the engine) name a path inside it: the body's is under `rule`
      const result = await (async () => {
        const rule = canonicalRule(
          parseOrThrow(alertRuleSchema, { ...body, id: body.id ?? 'rule-test', owner }, 'alert rule'),
        );
        return tester.test(rule, { from, to });
      })().catch((error: unknown) => {
        if (!isNexuralError(error) || !Array.isArray(error.details.path)) throw error;
        throw new NexuralError(error.code, error.message, {
          ...error.details,
          path: ['rule', ...error.details.path],
        });
      });
      return {
        from: from ?? null,
        to: to ?? null,
        items: [...result.events],
        symbols: [...result.symbols],
        truncated: result.truncated,
      };
    },
  );
}
