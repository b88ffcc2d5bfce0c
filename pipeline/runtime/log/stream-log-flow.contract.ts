import { expect, it } from 'vitest';
import type { LogRecord, StreamLog } from '../../../schemas/ports/stream-log.js';
import { type TestResources, until } from './testing/stream-log-test-kit.js';

const text = (value: string) => Buffer.from(value, 'utf8');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Part of the stream-log contract: big sends, backpressure and draining on close. */
export function streamLogFlowContract(
  harness: () => { readonly log: StreamLog; readonly resources: TestResources },
  timeoutMs: number,
): void {
  it(
    'reports, for a send bigger than one request, the position each record was stored at',
    async () => {
      const { log, resources } = harness();
      const topic = await resources.topic(3);
      const sent = Array.from({ length: 2500 }, (_, i) => ({
        topic,
        key: `k${i % 11}`,
        value: text(`v${i}`),
      }));
      const positions = await (await log.createProducer()).send(sent);
      const reader = await resources.collect({ groupId: resources.group(), topics: [topic] });
      await until(() => reader.records.length >= sent.length, '2500 records', timeoutMs);
      const stored = new Map(
        reader.records.map((record) => [`${record.partition}:${record.offset}`, record]),
      );
      positions.forEach((position, index) => {
        const record = stored.get(`${position.partition}:${position.offset}`);
        expect(record?.value?.toString()).toBe(`v${index}`);
      });
      expect(new Set(positions.map((position) => `${position.partition}:${position.offset}`)).size).toBe(
        2500,
      );
    },
    timeoutMs * 3,
  );

  it(
    'stores every record of sends made at once on one producer, each send in order, at the positions it reports',
    async () => {
      const { log, resources } = harness();
      const topic = await resources.topic(2);
      const producer = await log.createProducer();
      const sends = Array.from({ length: 6 }, (_, send) =>
        Array.from({ length: 40 }, (_, i) => ({ topic, key: `k${i % 3}`, value: text(`s${send}-${i}`) })),
      );
      const positions = await Promise.all(sends.map((records) => producer.send(records)));
      const reader = await resources.collect({ groupId: resources.group(), topics: [topic] });
      await until(() => reader.records.length >= 240, '240 records', timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(reader.records).toHaveLength(240);
      const stored = new Map(
        reader.records.map((record) => [`${record.partition}:${record.offset}`, record]),
      );
      sends.forEach((records, send) => {
        positions[send]?.forEach((position, index) => {
          expect(stored.get(`${position.partition}:${position.offset}`)?.value?.toString()).toBe(
            records[index]?.value.toString(),
          );
        });
        // a send's records of one key keep their order
        for (const key of ['k0', 'k1', 'k2']) {
          const offsets = (positions[send] ?? [])
            .filter((_, index) => records[index]?.key === key)
            .map((position) => BigInt(position.offset));
          expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
        }
      });
    },
    timeoutMs * 3,
  );

  it(
    'delivers nothing of a paused partition until it is resumed',
    async () => {
      const { log, resources } = harness();
      const topic = await resources.topic(1);
      const producer = await log.createProducer();
      const reader = await resources.collect({ groupId: resources.group(), topics: [topic] });
      await producer.send([{ topic, key: 'k', value: text('before') }]);
      await until(() => reader.records.length === 1, 'the first record', timeoutMs);
      reader.consumer.pause([{ topic, partition: 0 }]);
      await producer.send([{ topic, key: 'k', value: text('while paused') }]);
      await pause(1000);
      expect(reader.values()).toEqual(['before']);
      reader.consumer.resume([{ topic, partition: 0 }]);
      await until(() => reader.records.length === 2, 'the record sent while paused', timeoutMs);
      expect(reader.values()).toEqual(['before', 'while paused']);
    },
    timeoutMs * 3,
  );

  it(
    'starts a partition paused on assignment at a later seek, after fencing the previous owner’s open transaction (the processor’s restore)',
    async () => {
      const { log, resources } = harness();
      const topic = await resources.topic(1);
      const groupId = resources.group();
      const transactionalId = resources.name('txn');
      await (await log.createProducer()).send(
        Array.from({ length: 10 }, (_, i) => ({ topic, key: 'k', value: text(`r${i}`) })),
      );
      // a killed owner's transaction, still open with the group's offsets in it: Kafka holds the group's
      // committed offset as unstable until a new producer with the id aborts it
      const zombie = await (await log.createTransactionalProducer(transactionalId)).transaction();
      await zombie.sendOffsets(groupId, [{ topic, partition: 0, offset: '2' }]);
      const reader = await resources.collect({
        groupId,
        topics: [topic],
        onAssigned: (partitions, consumer) => {
          consumer.pause(partitions);
          void (async () => {
            await log.createTransactionalProducer(transactionalId);
            consumer.seek({ topic, partition: 0, offset: '6' });
            consumer.resume(partitions);
          })();
        },
      });
      await until(() => reader.records.length >= 4, 'records 6..9', timeoutMs);
      await pause(200);
      expect(reader.values()).toEqual(['r6', 'r7', 'r8', 'r9']);
    },
    timeoutMs * 3,
  );

  it(
    'hands a leaving member’s partitions to the one that stays, which continues after their last commit',
    async () => {
      const { log, resources } = harness();
      const topic = await resources.topic(2);
      const groupId = resources.group();
      const assignments: number[][] = [];
      const staying = await resources.collect({
        groupId,
        topics: [topic],
        onAssigned: (partitions) => {
          assignments.push(partitions.map(({ partition }) => partition).sort());
        },
      });
      const leaving = await resources.collect({ groupId, topics: [topic] });
      await until(
        () => leaving.consumer.assignment().length === 1,
        'the second member to own a partition',
        timeoutMs,
      );
      await until(
        () => staying.consumer.assignment().length === 1,
        'the first member to give one up',
        timeoutMs,
      );
      const producer = await log.createProducer();
      const batch = (from: number) =>
        Array.from({ length: 100 }, (_, i) => ({ topic, key: `k${i % 10}`, value: text(`v${from + i}`) }));
      await producer.send(batch(0));
      await until(() => staying.records.length + leaving.records.length === 100, 'the first 100', timeoutMs);
      await leaving.consumer.close();
      await until(() => staying.consumer.assignment().length === 2, 'the partitions to come back', timeoutMs);
      await producer.send(batch(100));
      await until(() => staying.records.length + leaving.records.length >= 200, 'the next 100', timeoutMs);
      await pause(200);
      const all = [...staying.values(), ...leaving.values()];
      expect(all.sort()).toEqual(Array.from({ length: 200 }, (_, i) => `v${i}`).sort());
      expect(assignments.at(-1)).toEqual([0, 1]);
    },
    timeoutMs * 3,
  );

  it(
    'drains on close: the batch in flight finishes and its offset is committed',
    async () => {
      const { log, resources } = harness();
      const topic = await resources.topic(1);
      const groupId = resources.group();
      let started = false;
      let finished = false;
      const handled: LogRecord[] = [];
      const consumer = await log.consume({
        groupId,
        topics: [topic],
        handler: async (batch) => {
          started = true;
          await pause(300);
          handled.push(...batch.records);
          finished = true;
        },
      });
      await (await log.createProducer()).send([{ topic, key: 'k', value: text('slow') }]);
      await until(() => started, 'the handler to start', timeoutMs);
      await consumer.close();
      expect(finished).toBe(true);
      expect(await log.admin.committedOffsets(groupId, topic)).toEqual([
        { topic, partition: 0, offset: String(BigInt(handled.at(-1)?.offset ?? '-1') + 1n) },
      ]);
    },
    timeoutMs * 3,
  );
}
