import type {
  LogProducer,
  LogTransaction,
  TransactionalProducer,
  TransactionalProducerOptions,
} from '../../../../schemas/ports/stream-log.js';
import { chunks, DEFAULT_TRANSACTION_TIMEOUT_MS, place, positionsOf } from '../kafka/kafka-producers.js';
import { validOffsets } from '../topic-spec.js';
import { withoutKip447 } from '../without-kip447.js';
import type { RdConsumer, RdKafka, RdProducer } from './rdkafka-binding.js';
import { rdkafkaCall } from './rdkafka-errors.js';

/**
 * Idempotent with acks=all, as the kafkajs adapter. librdkafka batches in its own thread, so a send is
 * one call however big; `linger.ms` 1 (librdkafka's default is 5) keeps a lone record's latency low while
 * a send's records still leave together. No compression: on one machine the CPU is scarcer than the network.
 */
const producerConfig = {
  'linger.ms': 1,
  'compression.codec': 'none',
  kafkaJS: { idempotent: true, acks: -1, allowAutoTopicCreation: false },
};

/** records per send call: bounds the per-record promises the compatible API holds at once */
const SEND_RECORDS = 10_000;

export async function createRdkafkaProducer(
  kafka: RdKafka,
  partitionCount: (topic: string) => Promise<number>,
): Promise<LogProducer> {
  const producer = kafka.producer(producerConfig);
  await rdkafkaCall('connecting a Kafka producer', () => producer.connect());
  return {
    async send(records) {
      const positions = [];
      for (const chunk of chunks(records, SEND_RECORDS)) {
        const placed = await place(chunk, partitionCount);
        const metadata = await rdkafkaCall('producing', () =>
          producer.sendBatch({ topicMessages: placed.topicMessages }),
        );
        positions.push(...positionsOf(placed, metadata));
      }
      return positions;
    },
    close: () => producer.disconnect(),
  };
}

function wrapTransaction(
  transaction: RdProducer,
  partitionCount: (topic: string) => Promise<number>,
  groupHandle: (groupId: string) => Promise<RdConsumer>,
): LogTransaction {
  return {
    async send(records) {
      for (const chunk of chunks(records, SEND_RECORDS)) {
        const { topicMessages } = await place(chunk, partitionCount);
        await rdkafkaCall('producing in a transaction', () => transaction.sendBatch({ topicMessages }));
      }
    },
    async sendOffsets(groupId, offsets, generation) {
      if (generation !== undefined) {
        throw withoutKip447(
          'the librdkafka adapter (an idle group handle, not the consumer, names the group)',
          'sending offsets with a group generation',
        );
      }
      const byTopic = new Map<string, { partition: number; offset: string }[]>();
      for (const { topic, partition, offset } of validOffsets(offsets)) {
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
      }
      const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
      const consumer = await groupHandle(groupId);
      await rdkafkaCall('committing offsets in a transaction', () =>
        transaction.sendOffsets({ consumer, topics }),
      );
    },
    commit: () => rdkafkaCall('committing a transaction', () => transaction.commit()),
    abort: () => rdkafkaCall('aborting a transaction', () => transaction.abort()),
  };
}

/**
 * librdkafka's producer registers its transactional id when it connects (InitProducerId), which fences any
 * older producer with the id, as the port promises at creation. Offsets go with a transaction through a
 * consumer handle of the group (`groupHandle`): librdkafka takes the group's metadata from a consumer.
 */
export async function createRdkafkaTransactionalProducer(
  kafka: RdKafka,
  transactionalId: string,
  partitionCount: (topic: string) => Promise<number>,
  groupHandle: (groupId: string) => Promise<RdConsumer>,
  options: TransactionalProducerOptions = {},
): Promise<TransactionalProducer> {
  const producer = kafka.producer({
    ...producerConfig,
    kafkaJS: {
      ...producerConfig.kafkaJS,
      transactionalId,
      transactionTimeout: options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS,
    },
  });
  await rdkafkaCall('connecting a transactional producer', () => producer.connect());
  return {
    transactionalId,
    async transaction() {
      const transaction = await rdkafkaCall('beginning a transaction', () => producer.transaction());
      return wrapTransaction(transaction, partitionCount, groupHandle);
    },
    close: () => producer.disconnect(),
  };
}
