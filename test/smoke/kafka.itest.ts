import { type Consumer, type EachMessagePayload, Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaBrokers } from '../stack-env.js';
import { onCleanup, uniqueName } from '../unique.js';

const kafka = new Kafka({ clientId: 'nexural-smoke', brokers: kafkaBrokers(), logLevel: logLevel.WARN });
const admin = kafka.admin();
await admin.connect();
afterAll(() => admin.disconnect());

interface Received {
  key: string;
  seq: number;
  partition: number;
}

/** Runs a consumer in GROUP until it has received COUNT records (or fails after 30 s), then disconnects it. */
async function consumeUntil(topic: string, group: string, count: number): Promise<Received[]> {
  const consumer: Consumer = kafka.consumer({
    groupId: group,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const received: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`group ${group} received ${received.length} of ${count} records within 30 s`)),
        30_000,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }: EachMessagePayload) => {
            received.push({ key: String(message.key), seq: Number(message.value?.toString()), partition });
            // Commit after the record is handled: the next consumer of the group starts after it.
            await consumer.commitOffsets([
              { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
            ]);
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}

function keyedRecords(keys: string[], from: number, perKey: number) {
  return Array.from({ length: perKey }, (_, i) =>
    keys.map((key) => ({ key, value: String(from + i) })),
  ).flat();
}

describe('Kafka (kafkajs against the KRaft broker)', () => {
  it('keeps per-key order through an idempotent producer and a consumer group, and resumes from committed offsets', async () => {
    const topic = uniqueName('topic');
    const group = uniqueName('group');
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    onCleanup(() => admin.deleteTopics({ topics: [topic] }));
    onCleanup(() => admin.deleteGroups([group]).catch(() => undefined));
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(metadata?.partitions).toHaveLength(3);

    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    onCleanup(() => producer.disconnect());
    const keys = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'ADA-USD', 'XRP-USD'];
    await producer.send({ topic, messages: keyedRecords(keys, 0, 10) });

    const first = await consumeUntil(topic, group, 50);
    expect(first).toHaveLength(50);
    for (const key of keys) {
      const ofKey = first.filter((record) => record.key === key);
      expect(ofKey.map((record) => record.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      // One key, one partition: that is what keeps its order.
      expect(new Set(ofKey.map((record) => record.partition)).size).toBe(1);
    }
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const committedTotal = committed
      .flatMap((entry) => entry.partitions)
      .reduce((sum, partition) => sum + Number(partition.offset), 0);
    expect(committedTotal).toBe(50);

    await producer.send({ topic, messages: keyedRecords(keys, 10, 2) });
    const second = await consumeUntil(topic, group, 10);
    expect(second).toHaveLength(10);
    for (const key of keys) {
      expect(second.filter((record) => record.key === key).map((record) => record.seq)).toEqual([10, 11]);
    }
  });
});
