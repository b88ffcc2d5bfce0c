import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorEnvelopeSchema } from '../../schemas/api.js';
import { jobListSchema, jobsQuerySchema } from '../../schemas/api-jobs.js';
import { NexuralError } from '../../schemas/errors.js';
import type { JobsReader } from '../../schemas/ports/jobs.js';
import { principalOf } from '../plugins/auth.js';

/** The caller's jobs with their last runs, and schedules (never another user's: the owner is the credential's). */
export async function jobRoutes(
  app: FastifyInstance,
  options: { readonly jobs: JobsReader | null },
): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'your background jobs, newest first, each with its last run; and your schedules',
        querystring: jobsQuerySchema,
        response: {
          200: jobListSchema,
          400: errorEnvelopeSchema,
          401: errorEnvelopeSchema,
          503: errorEnvelopeSchema,
        },
      },
    },
    async (request) => {
      const { jobs } = options;
      if (!jobs)
        throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'jobs are not available on this API instance');
      const owner = principalOf(request).owner;
      const [items, schedules] = await Promise.all([
        jobs.list({ owner, limit: request.query.limit ?? 50 }),
        jobs.schedules(owner),
      ]);
      return {
        items: items.map((job) => ({
          ...job,
          data: { ...job.data },
          lastRun: job.lastRun && { ...job.lastRun },
        })),
        schedules: schedules.map((schedule) => ({ ...schedule, schedule: { ...schedule.schedule } })),
      };
    },
  );
}
