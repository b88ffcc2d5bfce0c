import { randomUUID } from 'node:crypto';
import type { Bar } from '../../schemas/bar.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import type {
  LiveMarketFeed,
  LiveMarketSubscription,
  LiveMarketUpdate,
} from '../../schemas/ports/live-market.js';
import type { SeriesKey } from '../../schemas/ports/store.js';
import type { LogConsumer, RecordBatch, StreamLog } from '../../schemas/ports/stream-log.js';
import type { RecordSerde } from './serdes/record-serde.js';

export interface LiveMarketFeedOptions {
  readonly log: StreamLog;
  /** serde of the topic with every bar update (`topicNames().bars`) */
  readonly bars: RecordSerde<Bar>;
  readonly indicators: RecordSerde<IndicatorValue>;
  /** prefix of the feed's own consumer group; a random suffix makes each process a group of its own */
  readonly groupPrefix?: string;
  /** a record the serde refused is skipped; this hears about it */
  readonly onWarning?: (message: string) => void;
  readonly onError?: (error: Error) => void;
}

const seriesId = (series: SeriesKey): string => `${series.venue}:${series.symbol}:${series.interval}`;

const isNewer = (bar: Bar, than: Bar | undefined): boolean =>
  than === undefined ||
  bar.openTime > than.openTime ||
  (bar.openTime === than.openTime && (bar.revision > than.revision || (bar.final && !than.final)));

/**
 * The live bars and indicator values of the derived topics, through the stream-log port: one consumer in a
 * group of its own (every API process sees every record) starting at the end, committing nothing. It is
 * one more reader of topics the processor already wrote, so a slow API can lag but never slows the
 * pipeline. Listeners run synchronously in the consumer's handler and must only enqueue.
 */
export async function openLiveMarketFeed(options: LiveMarketFeedOptions): Promise<LiveMarketFeed> {
  const listeners = new Map<string, Set<(update: LiveMarketUpdate) => void>>();
  const latest = new Map<string, Bar>();
  const groupId = `${options.groupPrefix ?? 'nexural-api-live'}-${randomUUID()}`;
  let closed = false;
  let failed: Error | null = null;

  const dispatch = (id: string, update: LiveMarketUpdate) => {
    const subscribers = listeners.get(id);
    if (!subscribers) return;
    for (const listener of subscribers) listener(update);
  };

  const decode = async <T>(serde: RecordSerde<T>, bytes: Buffer): Promise<T | null> => {
    try {
      return await serde.deserialize(bytes);
    } catch (error) {
      options.onWarning?.(`live feed skipped a record of ${serde.topic}: ${(error as Error).message}`);
      return null;
    }
  };

  const handler = async (batch: RecordBatch) => {
    for (const record of batch.records) {
      if (record.value === null) continue;
      if (batch.topic === options.bars.topic) {
        const bar = await decode(options.bars, record.value);
        if (bar === null) continue;
        const id = seriesId(bar);
        if (isNewer(bar, latest.get(id))) latest.set(id, bar);
        dispatch(id, { kind: 'bar', bar });
      } else {
        const value = await decode(options.indicators, record.value);
        if (value !== null) dispatch(seriesId(value), { kind: 'indicator', value });
      }
    }
  };

  const consumer: LogConsumer = await options.log.consume({
    groupId,
    topics: [options.bars.topic, options.indicators.topic],
    start: 'latest',
    commit: 'manual',
    handler,
    onError: (error) => {
      failed = error;
      options.onError?.(error);
    },
  });

  return {
    subscribe(series, listener): LiveMarketSubscription {
      const id = seriesId(series);
      const subscribers = listeners.get(id) ?? new Set();
      subscribers.add(listener);
      listeners.set(id, subscribers);
      return {
        close() {
          subscribers.delete(listener);
          if (subscribers.size === 0) listeners.delete(id);
        },
      };
    },
    latestBar: (series) => latest.get(seriesId(series)) ?? null,
    ready: () => !closed && failed === null,
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      await consumer.close();
      // The group only ever existed for this process; leave nothing behind on the broker.
      await options.log.admin.deleteGroups([groupId]).catch(() => undefined);
    },
  };
}
