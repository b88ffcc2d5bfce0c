import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { createRedisFanout } from '../pipeline/fanout/redis-fanout.js';
import { alertChannels } from '../schemas/topics.js';
import { stackEnv } from '../test/stack-env.js';
import { channelInputCases } from './testing/channel-input-cases.js';

describe('a fan-out channel as a consumer input, on the Redis fan-out (Redis Streams resume)', () => {
  channelInputCases(async (owner) => {
    const redis = new Redis(stackEnv().REDIS_URL);
    // a ready key of its own: the shared Redis's real one is never touched
    const readyKey = `nexural:test:alerts:ready:${randomUUID().slice(0, 8)}`;
    const fanout = createRedisFanout(redis, { readyKey });
    return {
      fanout,
      async cleanup() {
        await fanout.close();
        await redis.del(readyKey, alertChannels.ownerStream(owner));
        const seen = await redis.keys(`${alertChannels.seen(owner)}*`);
        if (seen.length > 0) await redis.del(...seen);
        // the global and symbol streams are shared: remove only this test's entries
        for (const stream of [
          alertChannels.stream,
          ...(await redis.keys(alertChannels.symbolStream('*', '*'))),
        ]) {
          const mine = (await redis.xrange(stream, '-', '+'))
            .filter(([, fields]) => (fields[1] ?? '').includes(owner))
            .map(([id]) => id);
          if (mine.length > 0) await redis.xdel(stream, ...mine);
        }
        await redis.quit();
      },
    };
  });
});
