import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { NexuralError } from '../../schemas/errors.js';
import type { AlertDelivery, AlertDeliveryJournal } from '../../schemas/ports/alert-fanout.js';
import { alertChannels } from '../../schemas/topics.js';

export interface RedisRebuildOptions {
  readonly journal: AlertDeliveryJournal | undefined;
  /** the key whose absence means "Redis came back empty" */
  readonly readyKey: string;
  readonly historyLength: number;
  readonly seenTtlSeconds: number;
  /** waits for this process's own deliveries still on their way to the journal */
  readonly beforeRead: () => Promise<void>;
  readonly warn: (message: string) => void;
  readonly now: () => number;
}

export interface RedisRebuild {
  /** Resolves once the ready key exists: at once, after this process rebuilt, or after another one did. */
  ensure(): Promise<void>;
}

const LOCK_TTL_MS = 60_000;
const REBUILD_MAX_DELAY_MS = 5_000;
const CHUNK = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Per delivery (4 keys: seen, global/owner/symbol stream; 3 args: id, json, seen TTL). Entries go in with
// their original ids; an id at or below a stream's last one (a stream that was not empty) is skipped.
const rebuildScript = `
local maxlen = ARGV[1]
for i = 0, (#ARGV - 1) / 3 - 1 do
  local id, json, ttl = ARGV[i * 3 + 2], ARGV[i * 3 + 3], tonumber(ARGV[i * 3 + 4])
  if ttl > 0 then redis.call('SET', KEYS[i * 4 + 1], id, 'NX', 'EX', ttl) end
  for s = 2, 4 do
    redis.pcall('XADD', KEYS[i * 4 + s], 'MAXLEN', '~', maxlen, id, 'event', json)
  end
end
return 'OK'
`;

const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Restores the alert streams and seen-keys from the delivery journal when Redis lost them (a restart without
 * persistence). One process rebuilds under a lock; the others wait for the ready key. Publishing and history
 * reads refuse to run while the key is absent, so nothing new lands in a stream before the old ids are back.
 */
export function createRedisRebuild(redis: Redis, options: RedisRebuildOptions): RedisRebuild {
  const lockKey = `${options.readyKey}:rebuilding`;
  let running: Promise<void> | null = null;

  const restore = async (deliveries: readonly AlertDelivery[]) => {
    const now = options.now();
    for (let start = 0; start < deliveries.length; start += CHUNK) {
      const keys: string[] = [];
      const args: (string | number)[] = [options.historyLength];
      for (const { id, event } of deliveries.slice(start, start + CHUNK)) {
        const ageSeconds = Math.floor((now - Number(id.split('-')[0])) / 1000);
        keys.push(
          alertChannels.seen(event.id),
          alertChannels.stream,
          alertChannels.ownerStream(event.owner),
          alertChannels.symbolStream(event.venue, event.symbol),
        );
        args.push(id, JSON.stringify(event), options.seenTtlSeconds - ageSeconds);
      }
      await redis.eval(rebuildScript, keys.length, ...keys, ...args);
    }
  };

  const rebuild = async () => {
    await options.beforeRead();
    const deliveries = options.journal ? await options.journal.readAll() : [];
    await restore(deliveries);
    await redis.set(options.readyKey, String(options.now()));
    if (deliveries.length > 0) {
      options.warn(
        `alert fan-out: Redis came back without the alert history; rebuilt ${deliveries.length} deliveries ` +
          `(streams and de-duplication keys, same ids) from the delivery journal`,
      );
    }
  };

  const run = async () => {
    let deadline = options.now() + LOCK_TTL_MS + 5_000;
    let failures = 0;
    for (;;) {
      if ((await redis.exists(options.readyKey)) === 1) return;
      const token = randomUUID();
      if ((await redis.set(lockKey, token, 'PX', LOCK_TTL_MS, 'NX')) === 'OK') {
        let failure: unknown = null;
        try {
          await rebuild();
        } catch (error) {
          failure = error;
        } finally {
          await redis.eval(releaseScript, 1, lockKey, token);
        }
        if (failure === null) {
          if (failures > 0) options.warn(`alert fan-out: rebuilt after ${failures + 1} attempts`);
          return;
        }
        // typically the journal's log is unreachable too: publishes and history reads wait, they do not fail
        failures += 1;
        if (failures === 1) {
          options.warn(
            `alert fan-out: Redis lost the alert history and the delivery journal cannot be read (${String(failure)}); publishes wait and the rebuild retries`,
          );
        }
        await sleep(Math.min(REBUILD_MAX_DELAY_MS, 250 * 2 ** (failures - 1)));
        deadline = options.now() + LOCK_TTL_MS + 5_000;
        continue;
      }
      if (options.now() > deadline) {
        throw new NexuralError('NXR_TIMEOUT', 'alert fan-out: another process did not finish the rebuild');
      }
      await sleep(100);
    }
  };

  return {
    ensure() {
      running ??= run().finally(() => {
        running = null;
      });
      return running;
    },
  };
}
