import type { AlertEvent } from '../../schemas/alert-event.js';
import type { Bar } from '../../schemas/bar.js';
import { isNexuralError, NexuralError } from '../../schemas/errors.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import { noRoleHealth, type RoleHealthReporter } from '../../schemas/ports/role-health.js';
import type { StoreWriteBatch } from '../../schemas/ports/store.js';
import type {
  BatchControl,
  LogConsumer,
  LogRecord,
  RecordBatch,
  StreamLog,
} from '../../schemas/ports/stream-log.js';
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
  /** where the sink reports its health (role `sink`): down from a stop until its consumer is back */
  readonly health?: RoleHealthReporter;
  /** first wait before re-joining after the consumer stopped; doubled up to 30 s (default 500 ms) */
  readonly restartDelayMs?: number;
  /** told about each restart of the consumer (it stopped on a retryable error) */
  readonly onWarning?: (message: string) => void;
  /** the sink gave up (a permanent error, e.g. the writer failed for good): it stays down */
  readonly onError?: (error: Error) => void;
}

/** How often a batch handler waiting on the store tells the group it is alive (session timeout ≥ 6 s). */
const HEARTBEAT_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Waits for `work`, heart-beating meanwhile so the group keeps this member through a database outage. */
async function withHeartbeats(control: BatchControl, work: Promise<void>): Promise<void> {
  const timer = setInterval(() => {
    // a failed heartbeat (the group is rebalancing) is Kafka's to sort out: the commit after the batch tells
    control.heartbeat().catch(() => {});
  }, HEARTBEAT_MS);
  try {
    await work;
  } finally {
    clearInterval(timer);
  }
}

/** Errors a new consumer may get past: the broker, the coordinator or the store were away. */
const worthRestarting = (error: Error) => !isNexuralError(error) || error.retryable;

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
  const health = options.health ?? noRoleHealth;
  const firstDelay = options.restartDelayMs ?? 500;
  let closed = false;
  const consume = (): Promise<LogConsumer> =>
    options.log.consume({
      groupId: options.groupId,
      topics: [...byTopic.keys()],
      start: options.start ?? 'earliest',
      commit: 'after-batch',
      onError: (error) => void restart(error),
      handler: async (batch: RecordBatch, control: BatchControl) => {
        const source = byTopic.get(batch.topic);
        if (!source)
          throw new NexuralError('NXR_CONFIG_INVALID', `sink got a batch of unknown topic "${batch.topic}"`);
        const rows = await toWriteBatch(source, batch.records, options.deadLetter);
        await withHeartbeats(control, options.writer.write(rows));
      },
    });

  /** The consumer stopped: join again with backoff (it resumes from the committed offsets), or give up. */
  const restart = async (error: Error) => {
    if (closed) return;
    health.report('sink', { status: 'down', reason: error.message, since: Date.now() });
    if (!worthRestarting(error)) {
      options.onError?.(error);
      return;
    }
    for (let attempt = 0; !closed; attempt++) {
      const cap = Math.min(30_000, firstDelay * 2 ** attempt);
      options.onWarning?.(`sink stopped (${error.message}); joining again in ≤ ${cap} ms`);
      await sleep(cap / 2 + (Math.random() * cap) / 2);
      if (closed) return;
      try {
        const next = await consume();
        if (closed) {
          await next.close();
          return;
        }
        current = next;
        health.report('sink', { status: 'up' });
        return;
      } catch (failed) {
        error = failed instanceof Error ? failed : new Error(String(failed));
      }
    }
  };

  health.report('sink', { status: 'starting' });
  let current = await consume();
  health.report('sink', { status: 'up' });
  return {
    groupId: options.groupId,
    assignment: () => current.assignment(),
    commit: (offsets) => current.commit(offsets),
    pause: (partitions) => current.pause(partitions),
    resume: (partitions) => current.resume(partitions),
    seek: (position) => current.seek(position),
    generation: () => current.generation(),
    async close() {
      closed = true;
      await current.close();
      health.report('sink', { status: 'down', reason: 'closed', since: Date.now() });
    },
  };
}
