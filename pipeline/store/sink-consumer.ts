import type { AlertEvent } from '../../schemas/alert-event.js';
import type { Bar } from '../../schemas/bar.js';
import { isNexuralError, NexuralError } from '../../schemas/errors.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import type { StoreWriteBatch } from '../../schemas/ports/store.js';
import type { LogConsumer, LogRecord, RecordBatch, StreamLog } from '../../schemas/ports/stream-log.js';
import type { QuoteTick, TradeTick } from '../../schemas/tick.js';
import type { RecordSerde } from '../runtime/serdes/record-serde.js';
import type { SinkWriter } from './sink-writer.js';

/** A topic the sink reads, the serde of its values and the table kind they go to. */
export type SinkSource =
  | { readonly kind: 'bars'; readonly serde: RecordSerde<Bar> }
  | { readonly kind: 'trades'; readonly serde: RecordSerde<TradeTick> }
  | { readonly kind: 'quotes'; readonly serde: RecordSerde<QuoteTick> }
  | { readonly kind: 'indicatorValues'; readonly serde: RecordSerde<IndicatorValue> }
  | { readonly kind: 'alertEvents'; readonly serde: RecordSerde<AlertEvent> };

export interface SinkConsumerOptions {
  readonly log: StreamLog;
  readonly groupId: string;
  readonly sources: readonly SinkSource[];
  readonly writer: SinkWriter;
  /** where a group without committed offsets starts (default earliest: a new sink loads the whole history) */
  readonly start?: 'earliest' | 'latest';
  /**
   * Receives a record whose value the serde refused (NXR_SCHEMA_INVALID, NXR_PARSE_FAILED), e.g. to publish
   * it to the dead-letter topic; the record is then skipped. Without it, such a record stops the sink.
   */
  readonly deadLetter?: (record: LogRecord, error: NexuralError) => Promise<void>;
  readonly onError?: (error: Error) => void;
}

async function decode<Value>(
  serde: RecordSerde<Value>,
  records: readonly LogRecord[],
  deadLetter: SinkConsumerOptions['deadLetter'],
): Promise<Value[]> {
  const values: Value[] = [];
  for (const record of records) {
    if (record.value === null) continue; // tombstones delete nothing in an append-only history
    try {
      values.push(await serde.deserialize(record.value));
    } catch (error) {
      if (!deadLetter || !isNexuralError(error) || error.retryable) throw error;
      await deadLetter(record, error);
    }
  }
  return values;
}

async function toWriteBatch(
  source: SinkSource,
  records: readonly LogRecord[],
  deadLetter: SinkConsumerOptions['deadLetter'],
): Promise<StoreWriteBatch> {
  switch (source.kind) {
    case 'bars':
      return { bars: await decode(source.serde, records, deadLetter) };
    case 'trades':
      return { trades: await decode(source.serde, records, deadLetter) };
    case 'quotes':
      return { quotes: await decode(source.serde, records, deadLetter) };
    case 'indicatorValues':
      return { indicatorValues: await decode(source.serde, records, deadLetter) };
    case 'alertEvents':
      return { alertEvents: await decode(source.serde, records, deadLetter) };
  }
}

/**
 * Reads derived topics into the store. A batch's offsets are committed (after-batch mode) only once its
 * handler returned, and the handler returns only once the SinkWriter made its rows durable: a crash loses
 * nothing and replays at most the uncommitted tail, which the idempotent upserts absorb. A slow database
 * makes `write()` wait, which stops fetching: the log holds the backlog, not memory.
 */
export async function startSinkConsumer(options: SinkConsumerOptions): Promise<LogConsumer> {
  const byTopic = new Map(options.sources.map((source) => [source.serde.topic, source]));
  if (byTopic.size !== options.sources.length) {
    throw new NexuralError('NXR_CONFIG_INVALID', 'sink sources: each topic may appear once');
  }
  return options.log.consume({
    groupId: options.groupId,
    topics: [...byTopic.keys()],
    start: options.start ?? 'earliest',
    commit: 'after-batch',
    ...(options.onError ? { onError: options.onError } : {}),
    handler: async (batch: RecordBatch) => {
      const source = byTopic.get(batch.topic);
      if (!source)
        throw new NexuralError('NXR_CONFIG_INVALID', `sink got a batch of unknown topic "${batch.topic}"`);
      await options.writer.write(await toWriteBatch(source, batch.records, options.deadLetter));
    },
  });
}
