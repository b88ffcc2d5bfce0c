import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { NexuralError } from '../../schemas/errors.js';

/** Path of the first string holding U+0000, which PostgreSQL cannot store in text or jsonb, or null. */
export function pathOfNul(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = pathOfNul(item, [...path, index]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = pathOfNul(key, [...path, key]) ?? pathOfNul(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** Refuses NUL characters in query strings and bodies up front (400) rather than as a database error (500). */
async function textGuard(app: FastifyInstance): Promise<void> {
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      const path = pathOfNul(value);
      if (path) {
        throw new NexuralError(
          'NXR_BAD_VALUE',
          `${[part, ...path].join('.')}: text may not contain NUL (U+0000)`,
          {
            path: [part, ...path],
          },
        );
      }
    }
  });
}

export const textGuardPlugin = fp(textGuard, { name: 'nexural-text-guard' });
