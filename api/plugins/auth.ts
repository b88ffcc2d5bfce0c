import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { NexuralError } from '../../schemas/errors.js';
import type { AccountRepository, ApiKeyRecord, ApiScope } from '../../schemas/ports/accounts.js';
import type { CredentialRepository } from '../../schemas/ports/credentials.js';
import { hashApiKey, KEY_PREFIX, looksLikeApiKey } from '../auth/api-keys.js';
import { KeyLookupCache } from '../auth/principal-cache.js';

/** Who a request acts for: the key's owner, with the key's scopes. */
export interface Principal {
  readonly owner: string;
  readonly keyId: string;
  readonly scopes: readonly ApiScope[];
  readonly via: 'key' | 'session';
}

/** Route access: `public` needs nothing, `read`/`write` need a key or session with that scope (default read). */
export type RouteAccess = 'public' | ApiScope;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** accept the credential as ?token= (WebSocket upgrades: browsers cannot set headers there) */
    tokenInQuery?: boolean;
  }
  interface FastifyInstance {
    /** a session token (JWT) for the principal (an API key's, or a sign-in session's when keyId is ses_…) */
    signSession(principal: Principal, ttlMs?: number): { readonly token: string; readonly expiresAt: number };
    /** forgets cached lookups of a revoked key */
    forgetKey(keyId: string): void;
  }
}

interface SessionClaims {
  readonly sub: string;
  readonly kid: string;
  readonly scopes: readonly ApiScope[];
}

export interface AuthOptions {
  readonly accounts: AccountRepository;
  /** sign-in sessions (ses_…); absent = only sessions made from API keys */
  readonly credentials?: CredentialRepository | null;
  readonly jwtSecret: string;
  readonly sessionTtlMs: number;
  readonly now: () => number;
}

const MARK_USED_EVERY_MS = 60_000;

/** Ids of sign-in sessions (e-mail + password) start with this; other session tokens name an API key. */
export const SIGN_IN_SESSION_PREFIX = 'ses_';
/** A signed-in user may do what a read-write key may. */
export const SIGN_IN_SCOPES: readonly ApiScope[] = ['read', 'write'];

/** Where a credential came from: an `X-API-Key` header only ever holds an API key. */
interface Credential {
  readonly text: string;
  readonly from: 'authorization' | 'x-api-key' | 'query';
}

function credentialOf(request: FastifyRequest): Credential | null {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer '))
    return { text: header.slice('Bearer '.length).trim(), from: 'authorization' };
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string') return { text: apiKey.trim(), from: 'x-api-key' };
  if (request.routeOptions.config.tokenInQuery) {
    const token = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof token === 'string') return { text: token, from: 'query' };
  }
  return null;
}

const unauthenticated = (why: string) =>
  new NexuralError(
    'NXR_UNAUTHENTICATED',
    `${why}; send an API key (Authorization: Bearer nxr_… or X-API-Key) or a session token`,
  );

/**
 * API keys and session tokens. A key is looked up by its SHA-256 (cached briefly); a session token is a JWT
 * naming the key it was made from, and stays valid only while that key does.
 */
async function auth(app: FastifyInstance, options: AuthOptions): Promise<void> {
  if (options.jwtSecret.length < 32) {
    throw new NexuralError('NXR_CONFIG_INVALID', 'the session secret must have at least 32 characters');
  }
  await app.register(fastifyJwt, { secret: options.jwtSecret });
  const cache = new KeyLookupCache(5_000, 100_000, options.now);
  const lastMarked = new Map<string, number>();

  const markUsed = (key: ApiKeyRecord) => {
    const at = options.now();
    if (at - (lastMarked.get(key.id) ?? 0) < MARK_USED_EVERY_MS) return;
    lastMarked.set(key.id, at);
    options.accounts.markKeyUsed(key.id, at).catch((error: unknown) => {
      app.log.warn({ err: error, keyId: key.id }, 'could not record key use');
    });
  };

  const principalOf = async ({ text: credential, from }: Credential): Promise<Principal> => {
    // Sent as X-API-Key or shaped like one (nxr_…): judged as an API key, never as a session token.
    if (from === 'x-api-key' || credential.startsWith(KEY_PREFIX)) {
      if (!looksLikeApiKey(credential)) {
        throw unauthenticated(`the API key is invalid (not an ${KEY_PREFIX}… key as issued)`);
      }
      const hash = hashApiKey(credential);
      const key = await cache.get(`hash:${hash}`, () => options.accounts.findActiveKeyByHash(hash));
      if (!key) throw unauthenticated('the API key is unknown or revoked');
      markUsed(key);
      return { owner: key.owner, keyId: key.id, scopes: key.scopes, via: 'key' };
    }
    let claims: SessionClaims;
    try {
      claims = app.jwt.verify<SessionClaims>(credential);
    } catch {
      throw unauthenticated('the session token is invalid or expired');
    }
    // other tokens signed with the same secret (password-reset links) name no key and are no session
    if (typeof claims.kid !== 'string') throw unauthenticated('the session token is invalid or expired');
    if (claims.kid.startsWith(SIGN_IN_SESSION_PREFIX)) {
      const session = await options.credentials?.findActiveSession(claims.kid, options.now());
      if (!session || session.owner !== claims.sub)
        throw unauthenticated('the session ended (signed out or expired)');
      return { owner: session.owner, keyId: session.id, scopes: SIGN_IN_SCOPES, via: 'session' };
    }
    const key = await cache.get(`id:${claims.kid}`, () => options.accounts.findActiveKeyById(claims.kid));
    if (!key || key.owner !== claims.sub) throw unauthenticated('the key of this session was revoked');
    return { owner: key.owner, keyId: key.id, scopes: key.scopes, via: 'session' };
  };

  app.decorateRequest('principal', null);
  app.decorate('signSession', (principal: Principal, ttlMs = options.sessionTtlMs) => {
    const claims: SessionClaims = { sub: principal.owner, kid: principal.keyId, scopes: principal.scopes };
    const expiresAt = options.now() + ttlMs;
    const token = app.jwt.sign({ ...claims }, { expiresIn: Math.ceil(ttlMs / 1000) });
    return { token, expiresAt };
  });
  app.decorate('forgetKey', (keyId: string) => cache.forgetKey(keyId));

  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const access = request.routeOptions.config.access ?? 'read';
    if (access === 'public') return;
    const credential = credentialOf(request);
    if (!credential) throw unauthenticated('no credentials');
    const principal = await principalOf(credential);
    if (!principal.scopes.includes(access)) {
      throw new NexuralError(
        'NXR_FORBIDDEN',
        `this ${principal.via === 'key' ? 'key' : 'session'} lacks the "${access}" scope`,
        {
          scopes: principal.scopes,
        },
      );
    }
    request.principal = principal;
  });
}

export const authPlugin = fp(auth, { name: 'nexural-auth' });

/** The principal of a route that is not public (the auth hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated('no credentials');
  return request.principal;
}
