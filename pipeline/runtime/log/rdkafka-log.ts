import { Kafka, logLevel } from 'kafkajs';
import type {
  LogConsumer,
  LogProducer,
  StreamLog,
  TransactionalProducer,
} from '../../../schemas/ports/stream-log.js';
import { createKafkaAdmin } from './kafka/kafka-admin.js';
import { defaultConsumerTuning, type KafkaConsumerTuning } from './kafka/kafka-consumer.js';
import type { KafkaLogOptions } from './kafka-log.js';
import { loadRdkafka, type RdConsumer } from './rdkafka/rdkafka-binding.js';
import { startRdkafkaConsumer } from './rdkafka/rdkafka-consumer.js';
import { rdkafkaCall } from './rdkafka/rdkafka-errors.js';
import { createRdkafkaProducer, createRdkafkaTransactionalProducer } from './rdkafka/rdkafka-producers.js';

/**
 * The stream-log port on a Kafka cluster through librdkafka (`@confluentinc/kafka-javascript`, its
 * KafkaJS-compatible API): producers and consumers run on librdkafka's threads. The admin stays on kafkajs
 * (the compatible admin lacks describeConfigs, which listTopics needs for compaction, and waitForLeaders).
 * Throws NXR_CONFIG_INVALID at once where the optional binding is not installed for this Node.js.
 */
export function createRdkafkaLog(options: KafkaLogOptions): StreamLog {
  const binding = loadRdkafka();
  const clientId = options.clientId ?? 'nexural';
  const levels = binding.KafkaJS.logLevel;
  const rdkafka = new binding.KafkaJS.Kafka({
    kafkaJS: {
      clientId,
      brokers: [...options.brokers],
      logLevel: {
        nothing: levels.NOTHING,
        error: levels.ERROR,
        warn: levels.WARN,
        info: levels.INFO,
        debug: levels.DEBUG,
      }[options.logLevel ?? 'error'],
    },
  });
  const kafkajs = new Kafka({ clientId, brokers: [...options.brokers], logLevel: logLevel.NOTHING });
  const tuning: KafkaConsumerTuning = { ...defaultConsumerTuning, ...options.consumer };
  const admin = createKafkaAdmin(kafkajs);
  const consumers = new Set<LogConsumer>();
  const producers = new Set<LogProducer | TransactionalProducer>();
  // librdkafka commits a transaction's offsets for the group a consumer handle names; one idle, unsubscribed
  // handle per group (it never joins): generation -1, as kafkajs's TxnOffsetCommit without a member
  const groupHandles = new Map<string, Promise<RdConsumer>>();
  const groupHandle = (groupId: string): Promise<RdConsumer> => {
    let handle = groupHandles.get(groupId);
    if (handle === undefined) {
      const consumer = rdkafka.consumer({ kafkaJS: { groupId, autoCommit: false } });
      handle = rdkafkaCall('connecting a group handle', () => consumer.connect()).then(() => consumer);
      handle.catch(() => groupHandles.delete(groupId));
      groupHandles.set(groupId, handle);
    }
    return handle;
  };

  const track = <T extends LogProducer | TransactionalProducer>(producer: T): T => {
    producers.add(producer);
    const close = producer.close.bind(producer);
    return Object.assign(producer, {
      close: async () => {
        producers.delete(producer);
        await close();
      },
    });
  };

  return {
    kind: 'kafka',
    admin,
    createProducer: async () => track(await createRdkafkaProducer(rdkafka, admin.partitionCount)),
    createTransactionalProducer: async (transactionalId) =>
      track(
        await createRdkafkaTransactionalProducer(rdkafka, transactionalId, admin.partitionCount, groupHandle),
      ),
    async consume(consumerOptions) {
      for (const topic of consumerOptions.topics) await admin.partitionCount(topic);
      const consumer = await startRdkafkaConsumer(rdkafka, consumerOptions, tuning);
      consumers.add(consumer);
      const close = consumer.close;
      return Object.assign(consumer, {
        close: async () => {
          consumers.delete(consumer);
          await close();
        },
      });
    },
    async close() {
      await Promise.all([...consumers].map((consumer) => consumer.close()));
      await Promise.all([...producers].map((producer) => producer.close()));
      const handles = [...groupHandles.values()];
      groupHandles.clear();
      await Promise.allSettled(handles.map(async (handle) => (await handle).disconnect()));
      await admin.disconnect();
    },
  };
}
