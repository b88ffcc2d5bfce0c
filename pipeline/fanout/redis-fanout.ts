import type { Redis, Result } from 'ioredis';
import { type AlertEvent, alertEventSchema } from '../../schemas/alert-event.js';
import { NexuralError } from '../../schemas/errors.js';
import type {
  AlertDelivery,
  AlertDeliveryJournal,
  AlertFanout,
  AlertFilter,
  AlertSubscription,
} from '../../schemas/ports/alert-fanout.js';
import { alertChannels } from '../../schemas/topics.js';
import { createJournalWriter } from './journal-writer.js';
import { reportRedisErrors } from './redis-connection-errors.js';
import { createRedisRebuild } from './redis-rebuild.js';
import { openResumableSubscription } from './resumable-subscription.js';

export interface RedisFanoutOptions {
  /** Entries kept per history stream (approximate trimming, as Redis does it cheaply). */
  readonly historyLength?: number;
  /** How long a published event id is remembered for idempotence. */
  readonly seenTtlSeconds?: number;
  /** told once per Redis outage of the subscription connection (the command one is the caller's) */
  readonly onWarning?: (message: string) => void;
  /**
   * Where every delivery is recorded durably; when Redis comes back empty, streams and seen-keys are
   * rebuilt from it with the same ids before anything is published or read. Without one, a Redis restart
   * loses the history and the de-duplication window.
   */
  readonly journal?: AlertDeliveryJournal;
  /** the key that marks the streams as complete (default `alertChannels.ready`; tests use their own) */
  readonly readyKey?: string;
  readonly now?: () => number;
}

// One round trip, atomic: refuse while Redis lacks its history (KEYS[5] absent), de-duplicate by event id
// (the seen-key holds the delivery id), append to the global/owner/symbol streams under one entry id, then
// publish `<id> <json>` on the owner, symbol and all channels.
const publishScript = `
if redis.call('EXISTS', KEYS[5]) == 0 then return {'unready'} end
local seen = redis.call('GET', KEYS[1])
if seen then return {'seen', seen} end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], id, 'event', ARGV[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], id, 'event', ARGV[1])
redis.call('SET', KEYS[1], id, 'EX', ARGV[3])
local message = id .. ' ' .. ARGV[1]
redis.call('PUBLISH', ARGV[4], message)
redis.call('PUBLISH', ARGV[5], message)
redis.call('PUBLISH', ARGV[6], message)
return {'new', id}
`;

/** The publish script as a command of its own: ioredis sends it by SHA (EVALSHA), loading it on NOSCRIPT. */
const PUBLISH_COMMAND = 'nexuralPublishAlert';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    nexuralPublishAlert(...keysThenArgs: (string | number)[]): Result<[string, string?], Context>;
  }
}

const historyScript = `
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
return redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
`;

type StreamEntry = [string, string[]];

const HISTORY_PAGE = 1000;
/** how long close() waits for deliveries still on their way to an unreachable journal */
const JOURNAL_CLOSE_MS = 10_000;

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
  const warn = options.onWarning ?? (() => {});
  const readyKey = options.readyKey ?? alertChannels.ready;
  // the script text (~700 bytes) no longer goes with every alert: Redis hashed it on every EVAL
  redis.defineCommand(PUBLISH_COMMAND, { lua: publishScript, numberOfKeys: 5 });
  const journal = createJournalWriter(options.journal, warn);
  const rebuild = createRedisRebuild(redis, {
    journal: options.journal,
    readyKey,
    historyLength,
    seenTtlSeconds,
    beforeRead: () => journal.flushed(),
    warn,
    now: options.now ?? Date.now,
  });
  // Redis may have restarted empty: rebuild before the first publish or read needs it.
  const onReady = () => {
    rebuild.ensure().catch((error: unknown) => warn(`alert fan-out: rebuild failed: ${String(error)}`));
  };
  redis.on('ready', onReady);
  let subscriber: Redis | null = null;

  /** Runs a script that answers `unready` while the history is missing; rebuilds and runs it again. */
  const whenReady = async <T>(attempt: () => Promise<T | 'unready'>): Promise<T> => {
    for (let tries = 0; tries < 3; tries += 1) {
      const result = await attempt();
      if (result !== 'unready') return result;
      await rebuild.ensure();
    }
    throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'alert fan-out: Redis lost its alert history again');
  };

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
    const entries = await whenReady(async () => {
      const reply = (await redis.eval(historyScript, 2, streamOf(filter), readyKey, start, limit)) as
        | StreamEntry[]
        | null;
      return reply ?? 'unready';
    });
    return entries.map(([id, fields]): AlertDelivery => ({ id, event: parseEvent(fields[1] ?? '') }));
  };

  return {
    async publish(event) {
      const json = JSON.stringify(event);
      const [outcome, id] = await whenReady(async () => {
        const reply = await redis.nexuralPublishAlert(
          alertChannels.seen(event.id),
          alertChannels.stream,
          alertChannels.ownerStream(event.owner),
          alertChannels.symbolStream(event.venue, event.symbol),
          readyKey,
          json,
          historyLength,
          seenTtlSeconds,
          alertChannels.byOwner(event.owner),
          alertChannels.bySymbol(event.venue, event.symbol),
          alertChannels.all,
        );
        return reply[0] === 'unready' ? 'unready' : reply;
      });
      // A re-publish (the processor's catch-up after a crash) records the delivery again: the first
      // attempt may have died between Redis and the journal. Seen-keys of older versions hold '1'.
      if (id !== undefined && id !== '1') journal.add({ id, event });
      return outcome === 'new' && id !== undefined ? id : null;
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
      redis.off('ready', onReady);
      await journal.close(JOURNAL_CLOSE_MS);
      listenersByChannel.clear();
      if (subscriber) await subscriber.quit();
      subscriber = null;
    },
  };
}
