import { Admin, FetchIsolationLevels, Producer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { type PrivateKafka, privateKafka } from '../../../test/faults/private-services.js';
import { createPlatformaticLog } from '../log/platformatic-log.js';
import { marketEngineCheckpoints } from './engine-checkpoints.js';
import { encodeProgress, progressKey } from './partition-checkpoint.js';
import { restorePartition } from './restore-partition.js';
import { openTableReader } from './table-reader.js';

const SOURCE = { topic: 'restore-kill.trades', partition: 0 };
const STATE = 'restore-kill.state';
const GROUP = 'restore-kill.group';
/** the group's committed offset, and the next offset of the round left open at the kill */
const COMMITTED = '5';
const OPEN_ROUND_END = '9';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The long broker case's second failure (test/faults/README.md, 20:37– session): a partition rebuilt just
 * after the broker's restart re-processed the round open at the kill silently, as if its progress record
 * had committed. Here a round's progress record is left open at a kill -9 (the broker aborts it after its
 * restart, the transaction having timed out) and the partition is restored at once after the restart, then
 * again once the reader has read past the abort.
 */
describe('a restore right after a broker kill -9, a round with a progress record left open', () => {
  it('re-processes silently only up to the committed offset, before and after the broker aborts the round', {
    timeout: 300_000,
  }, async () => {
    const kafka: PrivateKafka = await privateKafka();
    cleanups.push(() => kafka.stop());
    await kafka.start();
    const brokers = [kafka.address];
    const admin = new Admin({ clientId: 'restore-kill', bootstrapBrokers: brokers });
    cleanups.push(() => admin.close());
    await admin.createTopics({ topics: [SOURCE.topic, STATE], partitions: 1, replicas: 1 });
    const log = createPlatformaticLog({ brokers });
    cleanups.push(() => log.close());
    // the group's committed offset, as its last round committed it (the group has no member now)
    const groupAdmin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await groupAdmin.connect();
    await groupAdmin.setOffsets({
      groupId: GROUP,
      topic: SOURCE.topic,
      partitions: [{ partition: SOURCE.partition, offset: COMMITTED }],
    });
    await groupAdmin.disconnect();

    const transactional = (transactionalId: string) => {
      const producer = new Producer({
        clientId: 'restore-kill',
        bootstrapBrokers: brokers,
        transactionalId,
        idempotent: true,
        producerId: -1n,
        producerEpoch: -1,
        // the transaction timeout (the shared producer's): the open round is aborted soon after the restart
        timeout: 10_000,
      });
      cleanups.push(() => producer.close());
      return producer;
    };
    const progressAt = (nextOffset: string) => ({
      topic: STATE,
      partition: 0,
      key: Buffer.from(progressKey(SOURCE)),
      value: encodeProgress({ version: 1, nextOffset, checkpointOffset: null }),
    });
    const round = transactional('restore-kill.round');
    const committedRound = await round.beginTransaction();
    await committedRound.send({ messages: [progressAt(COMMITTED)] });
    await committedRound.commit();

    // every record the reader takes, however briefly it holds it
    const taken: string[] = [];
    const tables = await openTableReader({
      log,
      topics: [STATE],
      groupPrefix: 'restore-kill',
      onRecord: (record) => taken.push(`${record.offset}:${record.key}`),
    });
    cleanups.push(() => tables.close());
    const warnings: string[] = [];
    const restore = () =>
      restorePartition({
        log,
        tables,
        source: SOURCE,
        groupId: GROUP,
        stableOffsets: true,
        stateTopic: STATE,
        stateWaitMs: 30_000,
        task: {
          source: SOURCE,
          engine: { bars: { intervals: ['1s'] }, indicators: [] },
          checkpoints: marketEngineCheckpoints,
          duplicatesPerSymbol: 1000,
        },
        rules: new Map(),
        warn: (message) => warnings.push(message),
      });
    expect((await restore()).resume.silentUntil).toBe(BigInt(COMMITTED));

    const openRound = await round.beginTransaction();
    await openRound.send({ messages: [progressAt(OPEN_ROUND_END)] });
    const offsets = async () => {
      const ask = async (isolationLevel: 0 | 1) => {
        const [topic] = await admin.listOffsets({
          topics: [{ name: STATE, partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
          isolationLevel,
        });
        return topic?.partitions[0]?.offset ?? -1n;
      };
      return {
        stable: await ask(FetchIsolationLevels.READ_COMMITTED),
        end: await ask(FetchIsolationLevels.READ_UNCOMMITTED),
      };
    };
    expect(await offsets()).toEqual({ stable: 2n, end: 3n });

    // the long case's outage: kill -9, 20 s down, restart
    await kafka.kill();
    await sleep(20_000);
    await kafka.start();
    const atOnce = await restore();
    const openAtRestore = await offsets();
    expect(atOnce.resume.silentUntil).toBe(BigInt(COMMITTED));

    // once the broker has ended the open round (timed out: aborted) and the reader has read past it
    let ended = openAtRestore;
    for (let waited = 0; waited < 60_000 && ended.stable < ended.end; waited += 200) {
      await sleep(200);
      ended = await offsets();
    }
    expect(ended.stable).toBe(ended.end);
    const after = transactional('restore-kill.after');
    const marker = await after.beginTransaction();
    await marker.send({
      messages: [{ topic: STATE, partition: 0, key: Buffer.from('after'), value: Buffer.from('1') }],
    });
    await marker.commit();
    await tables.waitFor(
      () => tables.get(STATE, 'after') !== undefined,
      'the record after the abort',
      120_000,
    );
    const afterAbort = await restore();
    console.log(
      `open at the restore: ${JSON.stringify(openAtRestore, (_key, value) => (typeof value === 'bigint' ? String(value) : value))}; ` +
        `taken: ${taken.join(', ')}; restored: ${atOnce.basis} / ${afterAbort.basis}`,
    );
    expect(afterAbort.resume.silentUntil).toBe(BigInt(COMMITTED));
    // the open round's progress record (offset 2) was never read as committed
    expect(taken.filter((entry) => entry.startsWith('2:'))).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
