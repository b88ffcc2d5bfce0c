import { Kafka, type logCreator, logLevel } from 'kafkajs';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { createKafkaAdmin } from './kafka/kafka-admin.js';
import {
  defaultConsumerTuning,
  type KafkaConsumerTuning,
  startKafkaConsumer,
} from './kafka/kafka-consumer.js';
import { createKafkaProducer, createKafkaTransactionalProducer } from './kafka/kafka-producers.js';
import { openClients } from './open-clients.js';

export interface KafkaLogOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** kafkajs's own logging (to the console); our errors carry what matters, so errors only by default */
  readonly logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
  readonly consumer?: Partial<KafkaConsumerTuning>;
}

const levels = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

/**
 * kafkajs logs every error response of the broker at ERROR, even the ones it retries (a rebalance in
 * progress, a coordinator moving, a broker not up yet). Those are routine; a failure that survives the
 * retries reaches the caller as an error. So connection-level and retried entries are dropped unless debugging.
 */
const quietLogCreator: logCreator = (level) => (entry) => {
  const retried = entry.namespace === 'Connection' || entry.log.retryCount !== undefined;
  if (retried && level < logLevel.DEBUG) return;
  const { timestamp, message, ...extra } = entry.log;
  process.stderr.write(
    `${JSON.stringify({ level: entry.label, timestamp, logger: 'kafkajs', message, ...extra })}\n`,
  );
};

/** The stream-log port on a Kafka cluster, through kafkajs 2. Topics must exist (never auto-created). */
export function createKafkaLog(options: KafkaLogOptions): StreamLog {
  const kafka = new Kafka({
    clientId: options.clientId ?? 'nexural',
    brokers: [...options.brokers],
    logLevel: levels[options.logLevel ?? 'error'],
    logCreator: quietLogCreator,
  });
  const tuning: KafkaConsumerTuning = { ...defaultConsumerTuning, ...options.consumer };
  const admin = createKafkaAdmin(kafka);
  const consumers = openClients();
  const producers = openClients();

  return {
    kind: 'kafka',
    fencesByGeneration: false,
    admin,
    createProducer: async () => producers.track(await createKafkaProducer(kafka, admin.partitionCount)),
    createTransactionalProducer: async (transactionalId, producerOptions) =>
      producers.track(
        await createKafkaTransactionalProducer(kafka, transactionalId, admin.partitionCount, producerOptions),
      ),
    async consume(consumerOptions) {
      for (const topic of consumerOptions.topics) await admin.partitionCount(topic);
      return consumers.track(await startKafkaConsumer(kafka, consumerOptions, tuning));
    },
    async close() {
      await consumers.closeAll();
      await producers.closeAll();
      await admin.disconnect();
    },
  };
}
