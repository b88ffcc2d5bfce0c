import { Kafka, logLevel } from 'kafkajs';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { createKafkaAdmin } from './kafka/kafka-admin.js';
import { defaultConsumerTuning, type KafkaConsumerTuning } from './kafka/kafka-consumer.js';
import type { KafkaLogOptions } from './kafka-log.js';
import { openClients } from './open-clients.js';
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
  const consumers = openClients();
  const producers = openClients();
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

  return {
    kind: 'kafka',
    fencesByGeneration: false,
    admin,
    createProducer: async () => producers.track(await createRdkafkaProducer(rdkafka, admin.partitionCount)),
    createTransactionalProducer: async (transactionalId, producerOptions) =>
      producers.track(
        await createRdkafkaTransactionalProducer(
          rdkafka,
          transactionalId,
          admin.partitionCount,
          groupHandle,
          producerOptions,
        ),
      ),
    async consume(consumerOptions) {
      for (const topic of consumerOptions.topics) await admin.partitionCount(topic);
      return consumers.track(await startRdkafkaConsumer(rdkafka, consumerOptions, tuning));
    },
    async close() {
      await consumers.closeAll();
      await producers.closeAll();
      const handles = [...groupHandles.values()];
      groupHandles.clear();
      await Promise.allSettled(handles.map(async (handle) => (await handle).disconnect()));
      await admin.disconnect();
    },
  };
}
