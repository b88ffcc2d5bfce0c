import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  apiKeyListSchema,
  errorEnvelopeSchema,
  keyParamsSchema,
  meSchema,
  newApiKeyBodySchema,
  newApiKeySchema,
  sessionSchema,
} from '../../schemas/api.js';
import { NexuralError } from '../../schemas/errors.js';
import type { AccountRepository } from '../../schemas/ports/accounts.js';
import { mintApiKey } from '../auth/api-keys.js';
import { principalOf } from '../plugins/auth.js';

const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  403: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
};

/** The caller's identity, API keys and session tokens. */
export async function keyRoutes(
  app: FastifyInstance,
  options: { readonly accounts: AccountRepository },
): Promise<void> {
  const { accounts } = options;
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    '/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'who the credential acts for',
        response: { 200: meSchema, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = await accounts.getUser(principal.owner);
      if (!user) throw new NexuralError('NXR_NOT_FOUND', `user "${principal.owner}" no longer exists`);
      return {
        user: { id: user.id, email: user.email, displayName: user.displayName },
        keyId: principal.keyId,
        scopes: [...principal.scopes],
      };
    },
  );

  routes.post(
    '/session',
    {
      schema: {
        tags: ['auth'],
        summary: 'a session token (JWT) for the dashboard, valid while its API key is',
        response: { 200: sessionSchema, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return { ...app.signSession(principal), owner: principal.owner };
    },
  );

  routes.get(
    '/keys',
    {
      schema: {
        tags: ['auth'],
        summary: 'your API keys (never the keys themselves)',
        response: { 200: apiKeyListSchema, ...errors },
      },
    },
    async (request) => ({
      items: (await accounts.listApiKeys(principalOf(request).owner)).map((key) => ({
        ...key,
        scopes: [...key.scopes],
      })),
    }),
  );

  routes.post(
    '/keys',
    {
      config: { access: 'write' },
      schema: {
        tags: ['auth'],
        summary: 'a new API key: the response is the only time the key is shown',
        body: newApiKeyBodySchema,
        response: { 201: newApiKeySchema, ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const wider = request.body.scopes.filter((scope) => !principal.scopes.includes(scope));
      if (wider.length > 0) {
        throw new NexuralError('NXR_FORBIDDEN', `a key cannot grant scopes it lacks: ${wider.join(', ')}`, {
          path: ['scopes'],
        });
      }
      const { key, row } = mintApiKey(principal.owner, request.body.label, request.body.scopes);
      const record = await accounts.insertApiKey(row);
      return reply.code(201).send({ key, record: { ...record, scopes: [...record.scopes] } });
    },
  );

  routes.delete(
    '/keys/:id',
    {
      config: { access: 'write' },
      schema: {
        tags: ['auth'],
        summary: 'revoke one of your API keys (its sessions end too)',
        params: keyParamsSchema,
        response: { 204: z.null().describe('revoked'), ...errors },
      },
    },
    async (request, reply) => {
      const revoked = await accounts.revokeApiKey(principalOf(request).owner, request.params.id);
      if (!revoked) throw new NexuralError('NXR_NOT_FOUND', `you have no active key "${request.params.id}"`);
      app.forgetKey(request.params.id);
      return reply.code(204).send(null);
    },
  );
}
