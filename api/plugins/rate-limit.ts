import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { NexuralError } from '../../schemas/errors.js';
import type { RateLimitOptions } from '../deps.js';

/**
 * Requests per window per API key (per client address before authentication): counters in Redis when given,
 * so every API process shares them, else in this process. Runs after authentication (preHandler), answers
 * 429 NXR_RATE_LIMITED with Retry-After. If Redis fails, requests pass (availability over strictness).
 */
async function rateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  await app.register(fastifyRateLimit, {
    hook: 'preHandler',
    max: options.max ?? 6_000,
    timeWindow: options.windowMs ?? 60_000,
    ...(options.redis ? { redis: options.redis, nameSpace: 'nexural:ratelimit:' } : {}),
    skipOnError: true,
    keyGenerator: (request) => (request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new NexuralError(
        'NXR_RATE_LIMITED',
        `rate limit of ${context.max} requests per ${context.after} reached; retry in ${Math.ceil(context.ttl / 1000)} s`,
        { limit: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) },
      ),
  });
}

export const rateLimitPlugin = fp(rateLimit, { name: 'nexural-rate-limit' });
