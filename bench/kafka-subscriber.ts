/**
 * bench:kafka `--subscriber child`: the latency rows' fan-out subscriber in a process of its own, as deployed
 * (the API subscribes, not the processor), so its `message` handling (a zod parse per alert) is not on the
 * processor's event loop. Started by `forkSubscriber`; sends `[ruleId, epochMs]` of each fired alert's first
 * arrival to the parent every 100 ms.
 */
import { Redis } from 'ioredis';
import { createRedisFanout } from '../pipeline/fanout/redis-fanout.js';
import { epochMs } from './kafka-ticks.js';

export type SubscriberMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'arrivals'; readonly arrivals: readonly (readonly [string, number])[] };

async function main() {
  const [redisUrl, owner] = process.argv.slice(2);
  if (redisUrl === undefined || owner === undefined)
    throw new Error('usage: kafka-subscriber.ts REDIS_URL OWNER');
  const redis = new Redis(redisUrl);
  const fanout = createRedisFanout(redis);
  const seen = new Set<string>();
  let pending: [string, number][] = [];
  const subscription = await fanout.subscribe({ kind: 'owner', owner }, ({ event }) => {
    if (event.kind !== 'fired' || seen.has(event.ruleId)) return;
    seen.add(event.ruleId);
    pending.push([event.ruleId, epochMs()]);
  });
  const send = (message: SubscriberMessage, then?: () => void) =>
    process.send?.(message, undefined, {}, then);
  const flush = (then?: () => void) => {
    send({ kind: 'arrivals', arrivals: pending }, then);
    pending = [];
  };
  const timer = setInterval(() => {
    if (pending.length > 0) flush();
  }, 100);
  // the last arrivals sent, then out: the fan-out's connections would keep the process alive
  process.on('message', () => {
    clearInterval(timer);
    void subscription.close();
    flush(() => process.exit(0));
  });
  send({ kind: 'ready' });
}

await main();
