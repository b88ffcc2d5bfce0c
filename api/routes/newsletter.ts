import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { verifyUnsubscribeToken } from '../../consumers/newsletter/unsubscribe-token.js';
import { NexuralError } from '../../schemas/errors.js';
import type {
  NewsletterArchive,
  NewsletterStudio,
  NewsletterSubscribers,
} from '../../schemas/ports/newsletter.js';
import { archiveEditionPage, archiveIndexPage } from './newsletter-pages.js';

export interface NewsletterRoutesOptions {
  readonly subscribers: NewsletterSubscribers;
  readonly archive: NewsletterArchive;
  /** HMAC secret the unsubscribe tokens were signed with */
  readonly unsubscribeSecret: string;
  /** sign-ups (the opt-in mail); null = POST /v1/newsletters/subscribe answers NXR_SERVICE_UNAVAILABLE */
  readonly studio?: NewsletterStudio | null;
}

const signUpBody = z.object({ email: z.email().max(254) });

const tokenQuery = z.object({ token: z.string().min(1).max(512) });

/**
 * Public newsletter routes (no API key: the signed token is the credential): one-click unsubscribe (RFC 8058
 * POST from the mail client, or GET from the footer link), opt-in confirmation, and the public archive.
 */
export async function newsletterRoutes(
  app: FastifyInstance,
  options: NewsletterRoutesOptions,
): Promise<void> {
  const unsubscribe = async (query: unknown) => {
    const parsed = tokenQuery.safeParse(query);
    const email = parsed.success
      ? verifyUnsubscribeToken(options.unsubscribeSecret, parsed.data.token)
      : null;
    if (email === null) throw new NexuralError('NXR_FORBIDDEN', 'unsubscribe token is not valid');
    await options.subscribers.unsubscribe(email);
    return { unsubscribed: true, email };
  };
  // RFC 8058: mail clients POST `List-Unsubscribe=One-Click` as a form; the token in the URL is all that counts.
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'multipart/form-data'],
    { parseAs: 'string', bodyLimit: 4096 },
    (_request, body, done) => done(null, body),
  );
  app.post('/v1/newsletters/unsubscribe', async (request) => unsubscribe(request.query));
  app.get('/v1/newsletters/unsubscribe', async (request) => unsubscribe(request.query));
  app.get('/v1/newsletters/confirm', async (request) => {
    const parsed = tokenQuery.safeParse(request.query);
    const email = parsed.success ? await options.subscribers.confirm(parsed.data.token) : null;
    if (email === null) throw new NexuralError('NXR_NOT_FOUND', 'confirmation token unknown or already used');
    return { confirmed: true, email };
  });
  app.post('/v1/newsletters/subscribe', async (request, reply) => {
    const parsed = signUpBody.safeParse(request.body);
    if (!parsed.success)
      throw new NexuralError('NXR_BAD_VALUE', 'body must be {"email": "<address>"}', {
        path: parsed.error.issues[0]?.path.join('.') ?? '',
      });
    if (!options.studio)
      throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'newsletter sign-ups are not set up here');
    const status = await options.studio.subscribe(parsed.data.email);
    return reply.code(202).send({ email: parsed.data.email.toLowerCase(), status });
  });
  app.get('/newsletters', async (_request, reply) => {
    const editions = (await options.archive.list(100)).filter((edition) => edition.status === 'sent');
    return reply.type('text/html; charset=utf-8').send(archiveIndexPage(editions));
  });
  app.get('/newsletters/:id', async (request, reply) => {
    const { id } = z.object({ id: z.string().min(1).max(64) }).parse(request.params);
    const edition = await options.archive.get(id);
    if (edition === null || edition.status !== 'sent')
      throw new NexuralError('NXR_NOT_FOUND', `no edition ${id}`);
    return reply.type('text/html; charset=utf-8').send(archiveEditionPage(edition));
  });
  app.get('/v1/newsletters/archive', async () => {
    const editions = await options.archive.list(100);
    return {
      items: editions
        .filter((edition) => edition.status === 'sent')
        .map(({ id, periodStart, periodEnd, subject, sentAt }) => ({
          id,
          periodStart,
          periodEnd,
          subject,
          sentAt,
        })),
    };
  });
  app.get('/v1/newsletters/archive/:id', async (request, reply) => {
    const { id } = z.object({ id: z.string().min(1).max(64) }).parse(request.params);
    const edition = await options.archive.get(id);
    if (edition === null || edition.status !== 'sent')
      throw new NexuralError('NXR_NOT_FOUND', `no edition ${id}`);
    return reply.type('text/markdown; charset=utf-8').send(edition.bodyMarkdown);
  });
}
