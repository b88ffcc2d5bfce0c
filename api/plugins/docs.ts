import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** OpenAPI 3.1 generated from the routes' zod schemas; Swagger UI at /docs, the document at /docs/json. */
async function docs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Nexural API',
        version: '0.1.0',
        description:
          'Market data (symbols, bars, quotes, indicators), your alert rules and events, API keys, and live ' +
          'streams. Authenticate with an API key (Authorization: Bearer nxr_… or X-API-Key) or a session token ' +
          'from POST /v1/session. Every error is {"error":{"code","message","details"}} with a stable NXR_* code.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'an API key (nxr_…) or a session token' },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    uiHooks: {},
    staticCSP: true,
    logLevel: 'warn',
  });
}

export const docsPlugin = fp(docs, { name: 'nexural-docs' });
