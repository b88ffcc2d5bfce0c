import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NexuralError } from '../../schemas/errors.js';
import type { AutomationService } from '../../schemas/ports/automations.js';

const idParams = z.object({ id: z.string().min(1).max(128) });
const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
const dryRunBody = z
  .object({ from: z.iso.datetime().optional(), to: z.iso.datetime().optional() })
  .default({});
const weekMs = 7 * 86_400_000;

const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new NexuralError('NXR_BAD_VALUE', `${path || '(input)'}: ${issue?.message ?? 'invalid'}`, { path });
};

const ownerOf = (request: { principal: { owner: string } | null }) => {
  if (!request.principal) throw new NexuralError('NXR_UNAUTHENTICATED', 'no principal');
  return request.principal.owner;
};

/** /v1/automations: workflows of the caller, their runs, dead letters, retry and dry-run. */
export async function automationRoutes(
  app: FastifyInstance,
  options: { readonly automations: AutomationService | null; readonly now: () => number },
): Promise<void> {
  const service = () => {
    if (!options.automations)
      throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'automations are not set up in this process');
    return options.automations;
  };
  app.get('/automations', async (request) => ({ items: await service().list(ownerOf(request)) }));
  app.post('/automations', { config: { access: 'write' } }, async (request, reply) =>
    reply.code(201).send(await service().create(ownerOf(request), request.body)),
  );
  app.delete('/automations/:id', { config: { access: 'write' } }, async (request, reply) => {
    const { id } = parse(idParams, request.params);
    await service().remove(ownerOf(request), id);
    return reply.code(204).send();
  });
  app.get('/automations/:id/runs', async (request) => {
    const { id } = parse(idParams, request.params);
    const { limit } = parse(limitQuery, request.query);
    return { items: await service().runs(ownerOf(request), id, limit) };
  });
  app.get('/automations/dead-letters', async (request) => {
    const { limit } = parse(limitQuery, request.query);
    return { items: await service().deadLetters(ownerOf(request), limit) };
  });
  app.post('/automations/runs/:id/retry', { config: { access: 'write' } }, async (request) => {
    const { id } = parse(idParams, request.params);
    return service().retry(ownerOf(request), id);
  });
  app.post('/automations/:id/dry-run', async (request) => {
    const { id } = parse(idParams, request.params);
    const body = parse(dryRunBody, request.body ?? {});
    const to = body.to ? Date.parse(body.to) : options.now();
    const from = body.from ? Date.parse(body.from) : to - weekMs;
    if (!(from < to)) throw new NexuralError('NXR_BAD_VALUE', 'from must be before to', { path: 'from' });
    return service().dryRun(ownerOf(request), id, { from, to });
  });
}

/**
 * POST /v1/hooks/:id — public: the Standard Webhooks signature over the raw body (or the secret token in the
 * body) is the credential. A bad or old signature → 401 and nothing runs.
 */
export async function hookRoutes(
  app: FastifyInstance,
  options: { readonly automations: AutomationService | null },
): Promise<void> {
  // the signature covers the bytes as sent: keep them
  app.addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_request, body, done) => done(null, body),
  );
  app.post('/v1/hooks/:id', async (request, reply) => {
    const { id } = parse(idParams, request.params);
    if (!options.automations)
      throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'automations are not set up in this process');
    const raw = typeof request.body === 'string' ? request.body : '';
    const outcome = await options.automations.receiveHook(id, request.headers, raw);
    if (outcome.kind === 'unknown') throw new NexuralError('NXR_NOT_FOUND', `no inbound hook ${id}`);
    if (outcome.kind === 'rejected') throw new NexuralError('NXR_UNAUTHENTICATED', outcome.reason);
    return reply.code(202).send({ runId: outcome.runId, duplicate: outcome.duplicate });
  });
}
