import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { alertChannels } from '../../schemas/topics.js';
import { createEmbeddedLog } from '../runtime/log/embedded-log.js';
import { alertFanoutContract } from './alert-fanout.contract.js';
import { createLogDeliveryJournal, deliveryJournalTopicSpec } from './log-delivery-journal.js';
import { createRedisFanout } from './redis-fanout.js';

alertFanoutContract('redis', async () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const log = createEmbeddedLog();
  await log.admin.createTopics([deliveryJournalTopicSpec('alerts.deliveries')]);
  const journal = createLogDeliveryJournal(log, 'alerts.deliveries');
  const suffix = randomUUID().slice(0, 8);
  // a ready key of its own: the shared Redis's real one is never touched
  const readyKey = `nexural:test:alerts:ready:${suffix}`;
  const fanout = createRedisFanout(redis, { journal, readyKey });
  const owner = `owner-${suffix}`;
  const symbol = `SYM${suffix.toUpperCase()}`;
  /** What a Redis restart does to this test: its streams, seen-keys and ready key are gone. */
  const forget = async () => {
    const seen = await redis.keys(`nexural:alerts:seen:${owner}*`);
    await redis.del(
      readyKey,
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
  };
  return {
    fanout,
    owner,
    symbol,
    loseStore: async () => {
      await forget();
      return fanout;
    },
    cleanup: async () => {
      await fanout.close();
      await forget();
      await journal.close();
      await log.close();
      await redis.quit();
    },
  };
});
