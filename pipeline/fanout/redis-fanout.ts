import type { Redis } from 'ioredis';
import { type AlertEvent, alertEventSchema } from '../../schemas/alert-event.js';
import type {
  AlertDelivery,
  AlertFanout,
  AlertFilter,
  AlertSubscription,
} from '../../schemas/ports/alert-fanout.js';
import { alertChannels } from '../../schemas/topics.js';
import { reportRedisErrors } from './redis-connection-errors.js';
import { openResumableSubscription } from './resumable-subscription.js';

export interface RedisFanoutOptions {
  /** Entries kept per history stream (approximate trimming, as Redis does it cheaply). */
  readonly historyLength?: number;
  /** How long a published event id is remembered for idempotence. */
  readonly seenTtlSeconds?: number;
  /** told once per Redis outage of the subscription connection (the command one is the caller's) */
  readonly onWarning?: (message: string) => void;
}

// One round trip, atomic: de-duplicate by event id, append to the global/owner/symbol streams under one
// entry id, then publish `<id> <json>` on the owner, symbol and all channels.
const publishScript = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[3]) then return false end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], id, 'event', ARGV[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], id, 'event', ARGV[1])
local message = id .. ' ' .. ARGV[1]
redis.call('PUBLISH', ARGV[4], message)
redis.call('PUBLISH', ARGV[5], message)
redis.call('PUBLISH', ARGV[6], message)
return id
`;

const HISTORY_PAGE = 1000;

const channelOf = (filter: AlertFilter): string => {
  switch (filter.kind) {
    case 'all':
      return alertChannels.all;
    case 'owner':
      return alertChannels.byOwner(filter.owner);
    case 'symbol':
      return alertChannels.bySymbol(filter.venue, filter.symbol);
  }
};

const streamOf = (filter: AlertFilter): string => {
  switch (filter.kind) {
    case 'all':
      return alertChannels.stream;
    case 'owner':
      return alertChannels.ownerStream(filter.owner);
    case 'symbol':
      return alertChannels.symbolStream(filter.venue, filter.symbol);
  }
};

const parseEvent = (json: string): AlertEvent => alertEventSchema.parse(JSON.parse(json));

/**
 * Redis adapter: pub/sub for millisecond delivery (which by itself loses messages while a subscriber is
 * away) plus bounded Redis Streams so a subscriber resumes from the last id it saw.
 * `redis` is used for commands; a duplicate connection is opened for subscriptions.
 */
export function createRedisFanout(redis: Redis, options: RedisFanoutOptions = {}): AlertFanout {
  const historyLength = options.historyLength ?? alertChannels.streamMaxLength;
  const seenTtlSeconds = options.seenTtlSeconds ?? 7 * 24 * 3600;
  const listenersByChannel = new Map<string, Set<(delivery: AlertDelivery) => void>>();
  let subscriber: Redis | null = null;

  const subscriberConnection = (): Redis => {
    if (subscriber) return subscriber;
    const connection = redis.duplicate();
    reportRedisErrors(connection, {
      name: 'alert fan-out subscriptions',
      warn: options.onWarning ?? (() => {}),
    });
    connection.on('message', (channel: string, message: string) => {
      const space = message.indexOf(' ');
      const delivery: AlertDelivery = {
        id: message.slice(0, space),
        event: parseEvent(message.slice(space + 1)),
      };
      for (const listener of listenersByChannel.get(channel) ?? []) listener(delivery);
    });
    subscriber = connection;
    return connection;
  };

  const history = async (filter: AlertFilter, afterId: string | null, limit: number) => {
    const start = afterId === null ? '-' : `(${afterId}`;
    const entries = await redis.xrange(streamOf(filter), start, '+', 'COUNT', limit);
    return entries.map(([id, fields]): AlertDelivery => ({ id, event: parseEvent(fields[1] ?? '') }));
  };

  return {
    async publish(event) {
      const json = JSON.stringify(event);
      const id = await redis.eval(
        publishScript,
        4,
        alertChannels.seen(event.id),
        alertChannels.stream,
        alertChannels.ownerStream(event.owner),
        alertChannels.symbolStream(event.venue, event.symbol),
        json,
        historyLength,
        seenTtlSeconds,
        alertChannels.byOwner(event.owner),
        alertChannels.bySymbol(event.venue, event.symbol),
        alertChannels.all,
      );
      return typeof id === 'string' ? id : null;
    },

    history,

    async subscribe(filter, listener, subscribeOptions): Promise<AlertSubscription> {
      const channel = channelOf(filter);
      return openResumableSubscription({
        resumeAfter: subscribeOptions?.resumeAfter,
        listener,
        attachLive: async (onLive) => {
          const connection = subscriberConnection();
          let listeners = listenersByChannel.get(channel);
          if (!listeners) {
            listeners = new Set();
            listenersByChannel.set(channel, listeners);
            await connection.subscribe(channel);
          }
          listeners.add(onLive);
          return async () => {
            const current = listenersByChannel.get(channel);
            current?.delete(onLive);
            if (current && current.size === 0) {
              listenersByChannel.delete(channel);
              await connection.unsubscribe(channel);
            }
          };
        },
        readHistory: (afterId) => history(filter, afterId, HISTORY_PAGE),
      });
    },

    async close() {
      listenersByChannel.clear();
      if (subscriber) await subscriber.quit();
      subscriber = null;
    },
  };
}
