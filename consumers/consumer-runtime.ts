import type { Registry } from 'prom-client';
import type { DeadLetter } from '../schemas/dead-letter.js';
import { NexuralError } from '../schemas/errors.js';
import type { AlertFanout, AlertFilter } from '../schemas/ports/alert-fanout.js';
import type { EffectLedgerStore } from '../schemas/ports/effect-ledger.js';
import type { Jobs } from '../schemas/ports/jobs.js';
import type { RecordDecoder, RecordEncoder } from '../schemas/ports/record-codec.js';
import { noRoleHealth, type RoleHealthReporter } from '../schemas/ports/role-health.js';
import type { StoreReader } from '../schemas/ports/store.js';
import type { StrategyStore } from '../schemas/ports/strategies.js';
import type { LogConsumer, LogRecord, RecordBatch, StreamLog } from '../schemas/ports/stream-log.js';
import type { StrategySignal } from '../schemas/strategy-signal.js';
import { describeIssues } from '../schemas/validate.js';
import { type ChannelReader, startChannelInput } from './channel-input.js';
import { consumerMetricSet } from './consumer-metrics.js';
import {
  type AnyConsumerDefinition,
  type ConsumerInputValues,
  type ConsumerLogger,
  type ConsumerRecord,
  type ConsumerTopicInput,
  consumerGroupId,
  isChannelInput,
} from './define-consumer.js';
import { handleWithRetries, type RetryPolicy } from './handle-with-retries.js';

/** The ports a consumer process hands every consumer it runs. */
export interface ConsumerPorts {
  readonly log: StreamLog;
  /** one decoder per input; each names its topic (the pipeline's serdes fit) */
  readonly decoders: { readonly [Input in ConsumerTopicInput]: RecordDecoder<ConsumerInputValues[Input]> };
  readonly deadLetters: RecordEncoder<DeadLetter>;
  readonly ledgers: EffectLedgerStore;
  readonly store: StoreReader;
  readonly fanout: AlertFanout | null;
  readonly jobs: Jobs | null;
  /** the strategy tracker's store; absent = null in the context */
  readonly strategies?: StrategyStore | null;
  /** the strategy-signals topic's encoder; absent = no signals publisher in the context */
  readonly strategySignals?: RecordEncoder<StrategySignal> | null;
  readonly metrics: Registry;
  readonly logger: ConsumerLogger;
  readonly clock?: { now(): number };
}

export interface ConsumerRunOptions {
  /** the consumer's config input (validated by its configSchema); default {} */
  readonly config?: unknown;
  /** where a group without committed offsets starts; default earliest (every derived record since the start) */
  readonly start?: 'earliest' | 'latest';
  /** the consumer group; default `nexural.consumer.<name>` (tests give a unique one) */
  readonly groupId?: string;
  readonly retry?: Partial<RetryPolicy>;
  /** the consumer stopped on an error it cannot get past (nothing after the last commit is lost) */
  readonly onError?: (error: Error) => void;
  /** which alerts a fan-out channel input (alertsLive) receives; default all */
  readonly channelFilter?: AlertFilter;
  /** where it reports its health (role `consumer <name>`): up once it is in its group, down after a stop */
  readonly health?: RoleHealthReporter;
}

export interface ConsumerRunStats {
  handled: number;
  deadLettered: number;
  /** records behind the end of each assigned partition, by `topic/partition` */
  readonly lag: Map<string, number>;
}

export interface RunningConsumer {
  readonly name: string;
  readonly groupId: string;
  readonly stats: Readonly<ConsumerRunStats>;
  /** stops fetching (an in-flight batch completes); effects stop until `resume` */
  pause(): void;
  resume(): void;
  /** Drains: finishes the batch in flight, commits, leaves the group, then closes the consumer. */
  close(): Promise<void>;
}

/** Parses a consumer's config with its schema, failing fast with the consumer's name and the bad path. */
export function parseConsumerConfig(definition: AnyConsumerDefinition, input: unknown): unknown {
  const result = definition.configSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new NexuralError(
    'NXR_CONFIG_INVALID',
    `consumer "${definition.name}" config: ${describeIssues(result.error)}`,
    { consumer: definition.name },
  );
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

function deadLetterOf(record: LogRecord, consumer: string, error: unknown, now: number): DeadLetter {
  const bytes = record.value ?? Buffer.alloc(0);
  const text = bytes.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(bytes);
  // The dead-letter schema is registered as the first release wrote it (a decimal offset): a fan-out
  // delivery id (<ms>-<seq>) goes into the reason instead, the source being no log position
  const fromLog = /^\d+$/.test(record.offset);
  const where = fromLog ? '' : ` (fan-out ${record.topic}, delivery ${record.offset})`;
  return {
    code: error instanceof NexuralError ? error.code : 'NXR_CONSUMER_FAILED',
    reason: `consumer "${consumer}": ${errorText(error)}${where}`,
    payload: isText ? text : bytes.toString('base64'),
    payloadEncoding: isText ? 'utf8' : 'base64',
    key: record.key,
    source: fromLog ? { topic: record.topic, partition: record.partition, offset: record.offset } : null,
    failedAt: now,
    consumer,
  };
}

/**
 * Runs one consumer in its own group on the stream log: decodes each batch, hands it to `handle`, and lets
 * the log commit the offset after `handle` resolved (so every effect is in the ledger before its offset is
 * committed). Records that cannot be decoded, or that keep failing, go to the dead-letter topic. A fan-out
 * channel input (alertsLive) is read the same way from the position saved in the ledger (channel-input.ts).
 */
export async function startConsumer(
  definition: AnyConsumerDefinition,
  ports: ConsumerPorts,
  options: ConsumerRunOptions = {},
): Promise<RunningConsumer> {
  const { name } = definition;
  const groupId = options.groupId ?? consumerGroupId(name);
  const clock = ports.clock ?? { now: Date.now };
  const health = options.health ?? noRoleHealth;
  const role = `consumer ${name}`;
  health.report(role, { status: 'starting' });
  const metricSet = consumerMetricSet(ports.metrics);
  const stats: ConsumerRunStats = { handled: 0, deadLettered: 0, lag: new Map() };
  const config = parseConsumerConfig(definition, options.config);
  const producer = await ports.log.createProducer();
  const signalEncoder = ports.strategySignals ?? null;
  const context = {
    name,
    config,
    ledger: ports.ledgers.forConsumer(name),
    store: ports.store,
    fanout: ports.fanout,
    jobs: ports.jobs,
    strategies: ports.strategies ?? null,
    signals: signalEncoder && {
      async publish(signals: readonly StrategySignal[]) {
        if (signals.length === 0) return;
        const records = await Promise.all(
          signals.map(async (signal) => ({
            topic: signalEncoder.topic,
            key: `${signal.venue}:${signal.symbol}`,
            value: await signalEncoder.serialize(signal),
            headers: { 'nexural-signal-id': signal.id },
          })),
        );
        await producer.send(records);
      },
    },
    logger: ports.logger,
    metrics: {
      count: (event: string, amount = 1) => metricSet.events.inc({ consumer: name, event }, amount),
    },
    clock,
  };
  const instance = await Promise.resolve()
    .then(() => definition.create(context))
    .catch(async (error: unknown) => {
      await producer.close();
      throw error;
    });
  const inputByTopic = new Map<string, ConsumerTopicInput>(
    definition.inputs.flatMap((input) =>
      isChannelInput(input) ? [] : [[ports.decoders[input].topic, input]],
    ),
  );

  const sendToDeadLetters = async (record: LogRecord, error: unknown) => {
    const letter = deadLetterOf(record, name, error, clock.now());
    await producer.send([
      {
        topic: ports.deadLetters.topic,
        key: record.key,
        value: await ports.deadLetters.serialize(letter),
        headers: { 'nexural-consumer': name, 'nexural-code': letter.code },
      },
    ]);
    stats.deadLettered += 1;
    metricSet.failed.inc({ consumer: name, outcome: 'dead_lettered' });
    ports.logger.warn(`consumer ${name}: record to the dead-letter topic`, {
      ...letter.source,
      reason: letter.reason,
    });
  };

  const decode = async (record: LogRecord): Promise<ConsumerRecord | null> => {
    const input = inputByTopic.get(record.topic);
    if (input === undefined || record.value === null) return null;
    const value = await ports.decoders[input].deserialize(record.value);
    return {
      input,
      value,
      key: record.key,
      timestamp: record.timestamp,
      source: { topic: record.topic, partition: record.partition, offset: record.offset },
    } as ConsumerRecord;
  };

  const handleRecords = async (
    topic: string,
    partition: number,
    pairs: readonly { record: LogRecord; decoded: ConsumerRecord }[],
  ) => {
    const started = performance.now();
    await handleWithRetries({
      pairs,
      handle: (decoded) => instance.handle({ topic, partition, records: decoded }),
      retry: options.retry ?? {},
      onRetry: () => metricSet.failed.inc({ consumer: name, outcome: 'retried' }),
      deadLetter: sendToDeadLetters,
    });
    metricSet.handleSeconds.observe({ consumer: name }, (performance.now() - started) / 1000);
    stats.handled += pairs.length;
    metricSet.handled.inc({ consumer: name }, pairs.length);
  };
  const setLag = (topic: string, partition: number, lag: number) => {
    stats.lag.set(`${topic}/${partition}`, lag);
    metricSet.lag.set({ consumer: name, topic, partition: String(partition) }, lag);
  };

  const handler = async (batch: RecordBatch) => {
    const pairs: { record: LogRecord; decoded: ConsumerRecord }[] = [];
    for (const record of batch.records) {
      try {
        const decoded = await decode(record);
        if (decoded) pairs.push({ record, decoded });
      } catch (error) {
        await sendToDeadLetters(record, error);
      }
    }
    await handleRecords(batch.topic, batch.partition, pairs);
    const last = batch.records.at(-1);
    if (last) {
      setLag(
        batch.topic,
        batch.partition,
        Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n)),
      );
    }
  };

  const channels: ChannelReader[] = [];
  const stopAll = async () => {
    for (const channel of channels) await channel.close();
    await producer.close();
    await instance.close();
  };
  const failed = (error: Error) => {
    health.report(role, { status: 'down', reason: error.message, since: clock.now() });
    ports.logger.error(`consumer ${name} stopped: ${error.message}`);
    options.onError?.(error);
  };
  try {
    for (const input of definition.inputs.filter(isChannelInput)) {
      if (ports.fanout === null) {
        throw new NexuralError(
          'NXR_CONFIG_INVALID',
          `consumer "${name}" reads ${input}, but this process has no alert fan-out`,
          { consumer: name },
        );
      }
      channels.push(
        await startChannelInput({
          input,
          fanout: ports.fanout,
          filter: options.channelFilter ?? { kind: 'all' },
          ledger: context.ledger,
          start: options.start ?? 'earliest',
          handle: async (batch) => {
            await handleRecords(batch.topic, 0, batch.pairs);
            setLag(batch.topic, 0, batch.backlog);
          },
          onError: failed,
        }),
      );
    }
  } catch (error) {
    health.report(role, { status: 'down', reason: errorText(error), since: clock.now() });
    await stopAll();
    throw error;
  }

  let paused = false;
  let consumer: LogConsumer | null = null;
  if (inputByTopic.size > 0) {
    try {
      consumer = await ports.log.consume({
        groupId,
        topics: [...inputByTopic.keys()],
        handler,
        start: options.start ?? 'earliest',
        onAssigned: (partitions, assigned) => {
          if (paused) assigned.pause(partitions);
          health.report(role, { status: 'up' });
        },
        onError: failed,
      });
    } catch (error) {
      health.report(role, { status: 'down', reason: errorText(error), since: clock.now() });
      await stopAll();
      throw error;
    }
  }
  // in its group now (consume resolves after the first join), also when the group gave it no partition
  health.report(role, { status: 'up' });
  return {
    name,
    groupId,
    stats,
    pause() {
      paused = true;
      consumer?.pause(consumer.assignment());
      for (const channel of channels) channel.pause();
    },
    resume() {
      paused = false;
      consumer?.resume(consumer.assignment());
      for (const channel of channels) channel.resume();
    },
    async close() {
      health.report(role, { status: 'down', reason: 'closed', since: clock.now() });
      await consumer?.close();
      await stopAll();
    },
  };
}
