import { Admin, FetchIsolationLevels, Producer } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { type PrivateKafka, privateKafka } from '../../../../test/faults/private-services.js';
import { endHangingTransaction, TransactionFootprint } from './platformatic-hanging.js';

const TOPIC = 'hanging.outputs';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function stableAndEnd(admin: Admin): Promise<{ stable: bigint[]; end: bigint[] }> {
  const ask = async (isolationLevel: 0 | 1) => {
    const [topic] = await admin.listOffsets({
      topics: [
        { name: TOPIC, partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) },
      ],
      isolationLevel,
    });
    return [...(topic?.partitions ?? [])]
      .sort((a, b) => a.partitionIndex - b.partitionIndex)
      .map((partition) => partition.offset);
  };
  return {
    stable: await ask(FetchIsolationLevels.READ_COMMITTED),
    end: await ask(FetchIsolationLevels.READ_UNCOMMITTED),
  };
}

describe('a hanging transaction (the broker completed it without a marker on a partition)', () => {
  it('is ended on that partition with the outcome the coordinator decided, which frees its last stable offset', async () => {
    // without Kafka's check that a transactional write's partition was added to its transaction (KIP-890),
    // the client's two concurrent sends in one transaction add only the first partition: the broker then
    // completes the transaction without a marker on the second, as a restarted broker does for a partition
    // that has no leader yet
    const kafka: PrivateKafka = await privateKafka({ 'transaction.partition.verification.enable': 'false' });
    cleanups.push(() => kafka.stop());
    await kafka.start();
    const brokers = [kafka.address];
    const admin = new Admin({ clientId: 'hanging-test', bootstrapBrokers: brokers });
    cleanups.push(() => admin.close());
    await admin.createTopics({ topics: [TOPIC], partitions: 2, replicas: 1 });
    const producer = new Producer({
      clientId: 'hanging-test',
      bootstrapBrokers: brokers,
      transactionalId: 'hanging-test.tx',
      idempotent: true,
      producerId: -1n,
      producerEpoch: -1,
    });
    cleanups.push(() => producer.close());
    // the race is the client's: under load both sends may be added in time, so a few transactions are tried
    let before = await stableAndEnd(admin);
    let hung = -1;
    for (let attempt = 0; attempt < 5 && hung < 0; attempt++) {
      const transaction = await producer.beginTransaction();
      await Promise.all(
        [0, 1].map((partition) =>
          transaction.send({
            messages: [
              { topic: TOPIC, partition, key: Buffer.from(`k${partition}`), value: Buffer.from('v') },
            ],
          }),
        ),
      );
      await transaction.commit();
      // the commit returns once the coordinator decided: its markers follow within moments
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      before = await stableAndEnd(admin);
      hung = before.stable.findIndex((stable, partition) => stable < (before.end[partition] ?? 0n));
    }
    // one partition's record is held back from read-committed readers by the transaction still open there
    expect(hung).toBeGreaterThanOrEqual(0);
    expect(before.stable[1 - hung]).toBe(before.end[1 - hung]);

    const footprint = new TransactionFootprint();
    footprint.addPartition(TOPIC, 0);
    footprint.addPartition(TOPIC, 1);
    const { producerId, producerEpoch } = producer;
    if (producerId === undefined || producerEpoch === undefined) throw new Error('no producer id');
    const ended = await endHangingTransaction(
      {
        brokers,
        clientId: 'hanging-test',
        transactionalId: 'hanging-test.tx',
        identity: () => ({ producerId, producerEpoch }),
      },
      footprint,
    );
    expect(ended).toEqual([`${TOPIC}/${hung} (committed)`]);
    // the last stable offset follows the marker's append within moments
    let after = await stableAndEnd(admin);
    for (let waited = 0; waited < 10_000 && after.stable[hung] !== after.end[hung]; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await stableAndEnd(admin);
    }
    // the record committed, the partition closed by a marker: nothing open any more
    expect(after.stable).toEqual(after.end);
    expect(after.end[hung]).toBe((before.end[hung] ?? 0n) + 1n);
    // nothing left to end
    expect(
      await endHangingTransaction(
        {
          brokers,
          clientId: 'hanging-test',
          transactionalId: 'hanging-test.tx',
          identity: () => ({ producerId, producerEpoch }),
        },
        footprint,
      ),
    ).toEqual([]);
  });
});
