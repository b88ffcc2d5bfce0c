import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NexuralError } from '../../schemas/errors.js';
import type { AlertFanout } from '../../schemas/ports/alert-fanout.js';
import type { LiveMarketFeed } from '../../schemas/ports/live-market.js';
import type { RoleHealthReader, RoleState } from '../../schemas/ports/role-health.js';
import type { ApiStore, ReadinessCheck } from '../deps.js';

export interface HealthRoutesOptions {
  readonly store: ApiStore;
  readonly live: LiveMarketFeed | null;
  readonly fanout: AlertFanout;
  readonly checks: readonly ReadinessCheck[];
  /** every role the process runs, each a check `role:<name>` (read at each request: roles come and go) */
  readonly roles?: RoleHealthReader;
  /** a check that takes longer than this fails */
  readonly timeoutMs: number;
}

type CheckResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly error: string };

async function timed(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: false; error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    const result = await Promise.race([check.check(), timeout]);
    return result.ok ? { ok: true, ms: performance.now() - started } : result;
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** A role is ready when it is `up`; otherwise its status and why (e.g. waiting on a database outage). */
function roleCheck(name: string, state: RoleState): ReadinessCheck {
  return {
    name: `role:${name}`,
    check: async () => {
      if (state.status === 'up') return { ok: true };
      const reason = 'reason' in state ? `: ${state.reason}` : '';
      const since = 'since' in state ? ` (for ${Math.round((Date.now() - state.since) / 1000)} s)` : '';
      return { ok: false, error: `${state.status}${since}${reason}` };
    },
  };
}

const checkResultSchema = z.union([
  z.object({ ok: z.literal(true), ms: z.number() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/** `/health`: the process answers. `/ready`: every dependency answers, each checked in parallel. */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  const checks: ReadinessCheck[] = [
    {
      name: 'store',
      async check() {
        const health = await options.store.health();
        return health.ok ? { ok: true } : { ok: false, error: health.error };
      },
    },
    {
      name: 'alert-fanout',
      async check() {
        await options.fanout.history({ kind: 'all' }, null, 1);
        return { ok: true };
      },
    },
    ...(options.live
      ? [
          {
            name: 'live-feed',
            check: async () =>
              options.live?.ready()
                ? { ok: true as const }
                : { ok: false as const, error: 'not attached to the log' },
          },
        ]
      : []),
    ...options.checks,
  ];
  const publicRoute = { access: 'public', rateLimit: false } as const;

  app.get(
    '/health',
    {
      config: publicRoute,
      schema: {
        tags: ['health'],
        summary: 'liveness: the process answers',
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    async () => ({ ok: true as const }),
  );

  app.get(
    '/ready',
    {
      config: publicRoute,
      schema: {
        tags: ['health'],
        summary: 'readiness: every dependency answers (503 with the failing ones otherwise)',
        response: { 200: z.object({ ok: z.literal(true), checks: z.record(z.string(), checkResultSchema) }) },
      },
    },
    async () => {
      const roles = [...(options.roles?.roles() ?? [])].map(([name, state]) => roleCheck(name, state));
      const results = await Promise.all(
        [...checks, ...roles].map(
          async (check) => [check.name, await timed(check, options.timeoutMs)] as const,
        ),
      );
      const byName = Object.fromEntries(results);
      const failing = results.filter(([, result]) => !result.ok).map(([name]) => name);
      if (failing.length > 0) {
        throw new NexuralError('NXR_SERVICE_UNAVAILABLE', `not ready: ${failing.join(', ')}`, {
          checks: byName,
        });
      }
      return { ok: true as const, checks: byName };
    },
  );
}
