import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/stack-env.js';
import { buildApp } from '../app.js';
import { hashApiKey } from '../auth/api-keys.js';
import { type ApiHarness, bearer, openApiHarness, pgliteTestDatabase } from '../testing/api-harness.js';

describe('rate limit on Redis', () => {
  let redis: Redis;
  let harness: ApiHarness;
  beforeAll(async () => {
    redis = new Redis(stackEnv().REDIS_URL);
    harness = await openApiHarness(pgliteTestDatabase, { rateLimit: { redis, max: 4, windowMs: 60_000 } });
  }, 60_000);
  afterAll(async () => {
    const bob = await harness.accounts.findActiveKeyByHash(hashApiKey(harness.keys.bob));
    await redis.del(`nexural:ratelimit:key:${bob?.id}`);
    await harness.close();
    await redis.quit();
  }, 60_000);

  it('shares one key budget across API processes', async () => {
    const second = await buildApp(harness.deps);
    try {
      const statuses: number[] = [];
      for (let request = 0; request < 6; request += 1) {
        const app = request % 2 === 0 ? harness.app : second;
        statuses.push(
          (await app.inject({ url: '/v1/symbols', headers: bearer(harness.keys.bob) })).statusCode,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      await second.close();
    }
  });
});
