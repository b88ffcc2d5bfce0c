import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { NexuralError } from '../schemas/errors.js';
import { createPlanEnforcer } from './billing/plan-enforcer.js';
import { ResponseCache } from './cache/response-cache.js';
import type { ApiDeps } from './deps.js';
import { sendError } from './errors.js';
import { authPlugin } from './plugins/auth.js';
import { dashboardRoutes } from './plugins/dashboard.js';
import { docsPlugin } from './plugins/docs.js';
import { metricsPlugin } from './plugins/metrics.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { textGuardPlugin } from './plugins/text-guard.js';
import { accountRoutes } from './routes/accounts.js';
import { alertRoutes } from './routes/alerts.js';
import { automationRoutes, hookRoutes } from './routes/automations.js';
import { billingRoutes } from './routes/billing.js';
import { healthRoutes } from './routes/health.js';
import { indicatorRoutes } from './routes/indicators.js';
import { jobRoutes } from './routes/jobs.js';
import { keyRoutes } from './routes/keys.js';
import { liveRoutes } from './routes/live.js';
import { marketRoutes } from './routes/market.js';
import { newsletterRoutes } from './routes/newsletter.js';
import { newsletterPreviewRoutes } from './routes/newsletter-preview.js';
import { noteRoutes } from './routes/notes.js';
import { replayRoutes } from './routes/replays.js';
import { ruleTestRoutes } from './routes/rule-test.js';
import { ruleRoutes } from './routes/rules.js';
import { strategyRoutes } from './routes/strategies.js';
import { watchlistRoutes } from './routes/watchlists.js';

const KiB = 1024;

const isLoggerInstance = (logger: ApiDeps['logger']): logger is FastifyBaseLogger =>
  typeof logger === 'object' && 'child' in logger && typeof logger.child === 'function';

/**
 * The HTTP API and the dashboard, built from ports (no listening, no signals: see cli/commands/serve.ts).
 * Everything under /v1 needs an API key or a session token and is rate limited per key; /health, /ready,
 * /metrics, /docs and the dashboard's files are public.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const limits = deps.limits ?? {};
  const app = Fastify({
    ...(isLoggerInstance(deps.logger) ? { loggerInstance: deps.logger } : { logger: deps.logger ?? false }),
    bodyLimit: limits.bodyBytes ?? 64 * KiB,
    // The rate limiter and the logs see the client, not the proxy, only behind a trusted proxy: off by default.
    trustProxy: false,
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) =>
    sendError(
      new NexuralError('NXR_NOT_FOUND', `no route ${request.method} ${request.url.slice(0, 200)}`),
      request,
      reply,
    ),
  );

  const plans = createPlanEnforcer(deps.billing ?? null, now);
  const cache = new ResponseCache(deps.rangeCacheMs ?? 1_000, 10_000, now);
  // A client message over this size closes its socket (1009).
  await app.register(fastifyWebsocket, { options: { maxPayload: limits.liveMessageBytes ?? 16 * KiB } });
  await app.register(metricsPlugin, { pipeline: deps.pipelineMetrics ?? [] });
  await app.register(docsPlugin);
  await app.register(healthRoutes, {
    store: deps.store,
    live: deps.live,
    fanout: deps.fanout,
    checks: deps.readiness ?? [],
    ...(deps.roles ? { roles: deps.roles } : {}),
    timeoutMs: 2_000,
  });
  await app.register(dashboardRoutes);
  // public: the signed token or the opt-in is the credential
  if (deps.newsletter) await app.register(newsletterRoutes, deps.newsletter);
  await app.register(hookRoutes, { automations: deps.automations ?? null });
  await app.register(
    async (v1) => {
      await v1.register(authPlugin, {
        accounts: deps.accounts,
        credentials: deps.credentials ?? null,
        jwtSecret: deps.jwtSecret,
        sessionTtlMs: deps.sessionTtlMs ?? 3_600_000,
        now,
      });
      await v1.register(rateLimitPlugin, deps.rateLimit ?? {});
      await v1.register(textGuardPlugin);
      await v1.register(marketRoutes, {
        store: deps.store,
        extras: deps.extras,
        live: deps.live,
        cache,
        plans,
      });
      await v1.register(indicatorRoutes, { store: deps.store, cache, plans });
      await v1.register(alertRoutes, { store: deps.store });
      await v1.register(ruleTestRoutes, { tester: deps.ruleTester ?? null });
      await v1.register(ruleRoutes, { store: deps.store, rules: deps.rules, plans });
      await v1.register(watchlistRoutes, { store: deps.store, rules: deps.rules });
      await v1.register(noteRoutes, { store: deps.store, now });
      await v1.register(keyRoutes, { accounts: deps.accounts });
      await v1.register(accountRoutes, {
        credentials: deps.credentials ?? null,
        resets: deps.passwordResets ?? null,
        publicUrl: deps.publicUrl ?? 'http://127.0.0.1:8080',
        signInTtlMs: deps.signInTtlMs ?? 7 * 86_400_000,
        resetTtlMs: 30 * 60_000,
        now,
      });
      await v1.register(billingRoutes, {
        billing: deps.billing ?? null,
        publicUrl: deps.publicUrl ?? 'http://127.0.0.1:8080',
        now,
      });
      await v1.register(replayRoutes, { replays: deps.replays });
      await v1.register(jobRoutes, { jobs: deps.jobs ?? null });
      await v1.register(automationRoutes, { automations: deps.automations ?? null, now });
      await v1.register(strategyRoutes, { strategies: deps.strategies ?? null });
      await v1.register(newsletterPreviewRoutes, { studio: deps.newsletter?.studio ?? null });
      await v1.register(liveRoutes, {
        live: deps.live,
        fanout: deps.fanout,
        store: deps.store,
        maxBufferedBytes: limits.liveBufferBytes ?? 1024 * KiB,
        maxSubscriptions: limits.liveSubscriptions ?? 32,
        plans,
        now,
      });
    },
    { prefix: '/v1' },
  );
  return app;
}
