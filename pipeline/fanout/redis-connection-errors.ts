import type { Redis } from 'ioredis';
import type { RoleHealthReporter } from '../../schemas/ports/role-health.js';

export interface RedisErrorReporting {
  /** names the connection in messages, e.g. "alert fan-out" */
  readonly name: string;
  /** told once when the connection is lost and once when it is back (not at every reconnect attempt) */
  readonly warn: (message: string) => void;
  /** a role to mark `waiting` while Redis is away (e.g. `fanout`) */
  readonly health?: { readonly reporter: RoleHealthReporter; readonly role: string };
}

/**
 * ioredis reconnects by itself, but an `error` event without a listener is printed as
 * "[ioredis] Unhandled error event" with a stack trace at every attempt. This listens, reports the outage
 * once (and the role as waiting), and reports the recovery when the connection is ready again.
 */
export function reportRedisErrors(redis: Redis, reporting: RedisErrorReporting): void {
  let lost = false;
  redis.on('error', (error: Error) => {
    if (lost) return;
    lost = true;
    reporting.warn(`${reporting.name}: Redis unreachable (${error.message}); reconnecting by itself`);
    reporting.health?.reporter.report(reporting.health.role, {
      status: 'waiting',
      reason: `Redis unreachable (${error.message})`,
      since: Date.now(),
    });
  });
  redis.on('ready', () => {
    reporting.health?.reporter.report(reporting.health.role, { status: 'up' });
    if (!lost) return;
    lost = false;
    reporting.warn(`${reporting.name}: Redis is back`);
  });
}
