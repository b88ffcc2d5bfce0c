import { Consumer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { createKafkaAdmin, type KafkaAdmin } from './kafka/kafka-admin.js';
import {
  defaultConsumerTuning,
  type KafkaConsumerTuning,
  startKafkaConsumer,
} from './kafka/kafka-consumer.js';
import type { KafkaLogOptions } from './kafka-log.js';
import { openClients } from './open-clients.js';
import { createStableOffsetReader } from './platformatic/platformatic-offsets.js';
import { createPlatformaticProducer } from './platformatic/platformatic-producer.js';
import {
  createPlatformaticTransactionalProducer,
  type GroupCoordinator,
} from './platformatic/platformatic-transactions.js';

/**
 * The stream-log port on a Kafka cluster with its transactions on @platformatic/kafka (pure JS), which keeps
 * the transaction coordinator kafkajs looks up before each transaction request: 5.3 requests a transaction
 * instead of 9.2 and ~1.6× less CPU each (bench/kafka-clients.ts), and with its plain producer (~40% less CPU
 * than kafkajs's at 10k records/s in small sends). Consumers and the admin stay kafkajs: the same consume costs @platformatic/kafka ~2× the CPU a record (its message stream), and the
 * consumer group model (eager rebalances, pause, seek) is the kafkajs adapter's, unchanged.
 * Transactional offsets are fenced by the consumer's group generation where asked (TxnOffsetCommit v3+,
 * KIP-447) and stable reads of committed offsets (require_stable) go through @platformatic/kafka's admin.
 */
export function createPlatformaticLog(options: KafkaLogOptions): StreamLog {
  const clientId = options.clientId ?? 'nexural';
  const kafka = new Kafka({ clientId, brokers: [...options.brokers], logLevel: logLevel.NOTHING });
  const tuning: KafkaConsumerTuning = { ...defaultConsumerTuning, ...options.consumer };
  const kafkajsAdmin = createKafkaAdmin(kafka);
  const stableOffsets = createStableOffsetReader({
    brokers: options.brokers,
    clientId,
    partitionCount: kafkajsAdmin.partitionCount,
  });
  const admin: KafkaAdmin = {
    ...kafkajsAdmin,
    committedOffsets: (groupId, topic, read) =>
      read?.stable === true
        ? stableOffsets.read(groupId, topic)
        : kafkajsAdmin.committedOffsets(groupId, topic),
    async disconnect() {
      await stableOffsets.close();
      await kafkajsAdmin.disconnect();
    },
  };
  const consumers = openClients();
  const producers = openClients();
  // a transaction names the group of the offsets it commits through a consumer object that never joins
  const coordinators = new Map<string, Promise<GroupCoordinator>>();
  const groupCoordinator = (groupId: string): Promise<GroupCoordinator> => {
    let found = coordinators.get(groupId);
    if (found === undefined) {
      const group = new Consumer({ clientId, bootstrapBrokers: [...options.brokers], groupId });
      found = group.findGroupCoordinator().then((coordinatorId) => ({ group, coordinatorId }));
      found.catch(() => {
        coordinators.delete(groupId);
        void group.close().catch(() => {});
      });
      coordinators.set(groupId, found);
    }
    return found;
  };
  const forgetCoordinator = (groupId: string) => {
    const found = coordinators.get(groupId);
    coordinators.delete(groupId);
    void found?.then(({ group }) => group.close()).catch(() => {});
  };
  const transactions = {
    brokers: options.brokers,
    clientId,
    partitionCount: admin.partitionCount,
    groupCoordinator,
    forgetCoordinator,
  };

  return {
    kind: 'kafka',
    fencesByGeneration: true,
    admin,
    createProducer: async () =>
      producers.track(
        await createPlatformaticProducer({
          brokers: options.brokers,
          clientId,
          partitionCount: admin.partitionCount,
        }),
      ),
    createTransactionalProducer: async (transactionalId, producerOptions) =>
      producers.track(
        await createPlatformaticTransactionalProducer(transactionalId, transactions, producerOptions),
      ),
    async consume(consumerOptions) {
      for (const topic of consumerOptions.topics) await admin.partitionCount(topic);
      return consumers.track(await startKafkaConsumer(kafka, consumerOptions, tuning));
    },
    async close() {
      await consumers.closeAll();
      await producers.closeAll();
      const groups = [...coordinators.values()];
      coordinators.clear();
      await Promise.allSettled(groups.map(async (found) => (await found).group.close()));
      await admin.disconnect();
    },
  };
}
