import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorEnvelopeSchema } from '../../schemas/api.js';
import {
  acceptedSchema,
  passwordResetBodySchema,
  passwordResetConfirmBodySchema,
  signInBodySchema,
  signInSessionSchema,
  signUpBodySchema,
} from '../../schemas/api-accounts.js';
import { NexuralError } from '../../schemas/errors.js';
import type { CredentialRepository, PasswordResetSender } from '../../schemas/ports/credentials.js';
import { hashPassword, UNMATCHABLE_HASH, verifyPassword } from '../auth/passwords.js';
import { principalOf, SIGN_IN_SCOPES, SIGN_IN_SESSION_PREFIX } from '../plugins/auth.js';

const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  409: errorEnvelopeSchema,
  503: errorEnvelopeSchema,
};

export interface AccountRoutesOptions {
  readonly credentials: CredentialRepository | null;
  readonly resets: PasswordResetSender | null;
  /** base URL of the dashboard, for reset links, e.g. https://nexural.example.com */
  readonly publicUrl: string;
  readonly signInTtlMs: number;
  readonly resetTtlMs: number;
  readonly now: () => number;
}

interface ResetClaims {
  readonly sub: string;
  readonly purpose: 'password-reset';
  /** fingerprint of the hash being replaced: the link stops working once the password changed */
  readonly ph: string;
}

const fingerprint = (hash: string | null) =>
  createHash('sha256')
    .update(hash ?? 'none')
    .digest('base64url')
    .slice(0, 22);

const wrongCredentials = () => new NexuralError('NXR_UNAUTHENTICATED', 'the e-mail or the password is wrong');

/** Sign-up, sign-in, sign-out and password reset by e-mail + password (public except sign-out). */
export async function accountRoutes(app: FastifyInstance, options: AccountRoutesOptions): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const credentialsOrFail = (): CredentialRepository => {
    if (!options.credentials) {
      throw new NexuralError(
        'NXR_SERVICE_UNAVAILABLE',
        'accounts with passwords are not enabled in this process',
      );
    }
    return options.credentials;
  };

  const openSession = async (owner: string) => {
    const id = `${SIGN_IN_SESSION_PREFIX}${randomUUID().replaceAll('-', '')}`;
    const createdAt = options.now();
    await credentialsOrFail().createSession({
      id,
      owner,
      createdAt,
      expiresAt: createdAt + options.signInTtlMs,
    });
    const signed = app.signSession(
      { owner, keyId: id, scopes: SIGN_IN_SCOPES, via: 'session' },
      options.signInTtlMs,
    );
    return { ...signed, owner };
  };

  routes.post(
    '/auth/sign-up',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'create an account with e-mail + password; answers a session token',
        body: signUpBodySchema,
        response: { 201: signInSessionSchema, ...errors },
      },
    },
    async (request, reply) => {
      const owner = `usr_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      await credentialsOrFail().createUserWithPassword({
        id: owner,
        email: request.body.email,
        displayName: request.body.displayName ?? null,
        passwordHash: await hashPassword(request.body.password),
      });
      return reply.code(201).send(await openSession(owner));
    },
  );

  routes.post(
    '/auth/sign-in',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'sign in with e-mail + password; answers a session token',
        body: signInBodySchema,
        response: { 200: signInSessionSchema, ...errors },
      },
    },
    async (request) => {
      const found = await credentialsOrFail().findByEmail(request.body.email);
      // an unknown e-mail costs one scrypt too, so timing does not tell which e-mails have accounts
      const matches = await verifyPassword(request.body.password, found?.passwordHash ?? UNMATCHABLE_HASH);
      if (!found || !matches) throw wrongCredentials();
      return openSession(found.owner);
    },
  );

  routes.post(
    '/auth/sign-out',
    {
      schema: {
        tags: ['auth'],
        summary: 'end this sign-in session',
        response: { 204: z.null().describe('signed out'), ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!principal.keyId.startsWith(SIGN_IN_SESSION_PREFIX)) {
        throw new NexuralError(
          'NXR_BAD_VALUE',
          'only a sign-in session can sign out; revoke an API key with DELETE /v1/keys/:id',
        );
      }
      await credentialsOrFail().revokeSession(principal.owner, principal.keyId, options.now());
      return reply.code(204).send(null);
    },
  );

  routes.post(
    '/auth/password-reset',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'send a password-reset link to the e-mail if it has an account (the answer never tells)',
        body: passwordResetBodySchema,
        response: { 202: acceptedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const found = await credentialsOrFail().findByEmail(request.body.email);
      if (found && options.resets) {
        const claims: ResetClaims = {
          sub: found.owner,
          purpose: 'password-reset',
          ph: fingerprint(found.passwordHash),
        };
        const token = app.jwt.sign({ ...claims }, { expiresIn: Math.ceil(options.resetTtlMs / 1000) });
        const link = `${options.publicUrl.replace(/\/$/, '')}/reset-password.html?token=${encodeURIComponent(token)}`;
        await options.resets.send({
          to: request.body.email,
          link,
          expiresAt: options.now() + options.resetTtlMs,
        });
      }
      return reply.code(202).send({ accepted: true });
    },
  );

  routes.post(
    '/auth/password-reset/confirm',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'set a new password with the token of a reset link; ends every session of the user',
        body: passwordResetConfirmBodySchema,
        response: { 204: z.null().describe('password changed'), ...errors },
      },
    },
    async (request, reply) => {
      const invalid = () =>
        new NexuralError('NXR_UNAUTHENTICATED', 'the reset link is invalid, expired or already used', {
          path: ['token'],
        });
      let claims: Partial<ResetClaims>;
      try {
        claims = app.jwt.verify<Partial<ResetClaims>>(request.body.token);
      } catch {
        throw invalid();
      }
      if (claims.purpose !== 'password-reset' || typeof claims.sub !== 'string') throw invalid();
      const credentials = credentialsOrFail();
      if (claims.ph !== fingerprint(await credentials.passwordHashOf(claims.sub))) throw invalid();
      await credentials.setPassword(claims.sub, await hashPassword(request.body.password), options.now());
      return reply.code(204).send(null);
    },
  );
}
