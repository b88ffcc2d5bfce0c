import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NexuralError } from '../../schemas/errors.js';
import type { NewsletterStudio } from '../../schemas/ports/newsletter.js';

const previewQuery = z.object({ format: z.enum(['json', 'html', 'markdown']).default('json') });

/** GET /v1/newsletters/preview: the next edition as it would go out now (an API key with `read`). */
export async function newsletterPreviewRoutes(
  app: FastifyInstance,
  options: { readonly studio: NewsletterStudio | null },
): Promise<void> {
  app.get('/newsletters/preview', async (request, reply) => {
    const parsed = previewQuery.safeParse(request.query);
    if (!parsed.success)
      throw new NexuralError('NXR_BAD_VALUE', 'format must be json, html or markdown', { path: 'format' });
    if (!options.studio)
      throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'the newsletter studio is not set up here');
    const preview = await options.studio.preview();
    if (!preview) throw new NexuralError('NXR_NOT_FOUND', 'nothing new since the last edition');
    if (parsed.data.format === 'html') return reply.type('text/html; charset=utf-8').send(preview.html);
    if (parsed.data.format === 'markdown')
      return reply.type('text/markdown; charset=utf-8').send(preview.markdown);
    return preview;
  });
}
