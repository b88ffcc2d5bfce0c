import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { alertChannels } from '../../schemas/topics.js';
import { alertFanoutContract } from './alert-fanout.contract.js';
import { createRedisFanout } from './redis-fanout.js';

alertFanoutContract('redis', async () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const fanout = createRedisFanout(redis);
  const suffix = randomUUID().slice(0, 8);
  const owner = `owner-${suffix}`;
  const symbol = `SYM${suffix.toUpperCase()}`;
  return {
    fanout,
    owner,
    symbol,
    cleanup: async () => {
      await fanout.close();
      const seen = await redis.keys(`nexural:alerts:seen:${owner}*`);
      await redis.del(
        alertChannels.ownerStream(owner),
        alertChannels.ownerStream(`${owner}-other`),
        alertChannels.symbolStream('binance', symbol),
        ...seen,
      );
      // The global stream is shared; remove only this test's entries.
      const entries = await redis.xrange(alertChannels.stream, '-', '+');
      const mine = entries.filter(([, fields]) => (fields[1] ?? '').includes(symbol)).map(([id]) => id);
      if (mine.length > 0) await redis.xdel(alertChannels.stream, ...mine);
      if ((await redis.xlen(alertChannels.stream)) === 0) await redis.del(alertChannels.stream);
      await redis.quit();
    },
  };
});
