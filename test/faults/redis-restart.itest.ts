import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportRedisErrors } from '../../pipeline/fanout/redis-connection-errors.js';
import { createRedisFanout } from '../../pipeline/fanout/redis-fanout.js';
import { createRoleHealthRegistry } from '../../schemas/ports/role-health.js';
import { type PrivateService, privateRedis } from './private-services.js';
import { runRedisRestart } from './redis-restart.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault: Redis restart under the alert fan-out (a private Redis, never the shared one)', () => {
  let redis: PrivateService;
  beforeAll(async () => {
    redis = await privateRedis();
    await redis.start();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  });

  it('reports the outage once and the recovery once — no "[ioredis] Unhandled error event" — with the fan-out role waiting meanwhile, and the fan-out answers again after the restart', async () => {
    const warnings: string[] = [];
    const printed: string[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => printed.push(args.map(String).join(' '));
    const roles = createRoleHealthRegistry();
    const client = new Redis(redis.address, { lazyConnect: true, retryStrategy: () => 100 });
    try {
      reportRedisErrors(client, {
        name: 'alert fan-out',
        warn: (message) => warnings.push(message),
        health: { reporter: roles, role: 'fanout' },
      });
      await client.connect();
      const fanout = createRedisFanout(client, { onWarning: (message) => warnings.push(message) });
      const subscription = await fanout.subscribe({ kind: 'all' }, () => {});
      expect(roles.roles().get('fanout')).toEqual({ status: 'up' });

      await redis.kill();
      await sleep(1_500); // a dozen reconnect attempts, each an `error` event
      expect(roles.roles().get('fanout')?.status).toBe('waiting');
      await redis.start();
      for (let i = 0; i < 50 && roles.roles().get('fanout')?.status !== 'up'; i++) await sleep(100);
      expect(roles.roles().get('fanout')).toEqual({ status: 'up' });
      expect(await fanout.history({ kind: 'all' }, null, 10)).toEqual([]);

      const lost = warnings.filter((line) => line.includes('Redis unreachable'));
      const back = warnings.filter((line) => line.includes('Redis is back'));
      // the command connection and the subscription connection, once each, in whichever order they notice
      expect(lost.map((line) => line.split(':')[0]).sort()).toEqual([
        'alert fan-out',
        'alert fan-out subscriptions',
      ]);
      expect(back.map((line) => line.split(':')[0]).sort()).toEqual([
        'alert fan-out',
        'alert fan-out subscriptions',
      ]);
      expect(printed.filter((line) => line.includes('Unhandled error event'))).toEqual([]);
      await subscription.close();
      await fanout.close();
    } finally {
      console.error = originalError;
      client.disconnect();
    }
  }, 60_000);
});

describe('fault: Redis kill -9 + restart between processor runs (comes back empty; a private Redis)', () => {
  it('rebuilds the streams and seen-keys from the delivery journal: a resume after an id seen before the restart gets exactly the alerts after it, and alerts the restarted processor re-publishes are not delivered twice', async () => {
    const lines: string[] = [];
    const report = await runRedisRestart({ rounds: 1, downtimeMs: 1_500, say: (line) => lines.push(line) });
    console.log(lines.join('\n'));
    expect(report.redWhileDown).toBe(true);
    expect(report.equal).toEqual({
      'live: every alert of the topic, once': true,
      'resume: exactly the deliveries after the id seen': true,
      'history rebuilt with the same ids': true,
    });
    expect(report.duplicates).toBe(0);
    expect(report.republished).toBeGreaterThan(0);
    expect(report.recordsCompared).toBeGreaterThan(20);
    expect(report.warnings.filter((line) => line.includes('rebuilt'))).toHaveLength(1);
    expect(report.recoveryMs).toBeLessThan(10_000);
  }, 120_000);
});
