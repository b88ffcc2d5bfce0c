import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNexuralError } from '../../../schemas/errors.js';
import type { LogRecord, OutgoingRecord, RecordBatch, StreamLog } from '../../../schemas/ports/stream-log.js';
import { deadLetterRoutingContract } from '../dlq/dead-letter-routing.contract.js';
import { partitionForKey } from './murmur2.js';
import { streamLogFlowContract } from './stream-log-flow.contract.js';
import { streamLogGenerationContract } from './stream-log-generation.contract.js';
import { TestResources, until } from './testing/stream-log-test-kit.js';

export interface StreamLogContractOptions {
  /** how long to wait for deliveries and rebalances (a real broker needs seconds to rebalance) */
  readonly timeoutMs: number;
}

const text = (value: string) => Buffer.from(value, 'utf8');
const record = (topic: string, key: string | null, value: string, timestamp?: number): OutgoingRecord =>
  timestamp === undefined
    ? { topic, key, value: text(value) }
    : { topic, key, value: text(value), timestamp };
const nextOffset = (entry: LogRecord) => String(BigInt(entry.offset) + 1n);
const valuesOf = (records: readonly LogRecord[]) => records.map((entry) => entry.value?.toString() ?? '∅');

/**
 * The stream-log port's contract. Every adapter runs it; passing it means processors written against the
 * port behave the same on Kafka and on the embedded log.
 */
export function streamLogContract(
  name: string,
  open: () => Promise<StreamLog>,
  options: StreamLogContractOptions,
): void {
  const { timeoutMs } = options;
  const testTimeout = timeoutMs * 3;

  describe(`stream-log contract: ${name}`, () => {
    let resources: TestResources;
    let log: StreamLog;
    beforeEach(async () => {
      log = await open();
      resources = new TestResources(log);
    });
    afterEach(async () => {
      await resources.cleanup();
    });

    it('creates topics explicitly, lists them with partitions and compaction, and deletes them', async () => {
      const plain = await resources.topic(3);
      const compacted = await resources.topic(2, true);
      const again = await log.admin.createTopics([{ name: plain, partitions: 3, compacted: false }]);
      expect(again).toEqual([]);
      const listed = (await log.admin.listTopics()).filter((topic) =>
        [plain, compacted].includes(topic.name),
      );
      expect(listed.sort((a, b) => a.partitions - b.partitions)).toEqual([
        { name: compacted, partitions: 2, compacted: true },
        { name: plain, partitions: 3, compacted: false },
      ]);
      await log.admin.deleteTopics([plain]);
      const names = (await log.admin.listTopics()).map((topic) => topic.name);
      expect(names).not.toContain(plain);
    });

    it('refuses to produce to a topic that was never created', async () => {
      const producer = await log.createProducer();
      const missing = resources.name('missing');
      const error = await producer.send([record(missing, 'k', 'v')]).catch((caught: unknown) => caught);
      expect(isNexuralError(error) && error.code).toBe('NXR_CONFIG_INVALID');
      expect(String(error)).toContain(missing);
    });

    it(
      'puts each key in its murmur2 partition and keeps per-key order',
      async () => {
        const topic = await resources.topic(4);
        const producer = await log.createProducer();
        const keys = ['binance:BTCUSDT', 'binance:ETHUSDT', 'binance-um:BTCUSDT', 'coinbase:BTC-USD', 'x:Y'];
        const sent: OutgoingRecord[] = [];
        for (let round = 0; round < 40; round += 1) {
          for (const key of keys) sent.push(record(topic, key, `${key}#${round}`));
        }
        const positions = [
          ...(await producer.send(sent.slice(0, 100))),
          ...(await producer.send(sent.slice(100))),
        ];
        positions.forEach((position, index) => {
          expect(position.partition).toBe(partitionForKey(sent[index]?.key ?? '', 4));
        });
        const { records } = await resources.collect({ groupId: resources.group(), topics: [topic] });
        await until(() => records.length >= sent.length, `${sent.length} records`, timeoutMs);
        expect(records).toHaveLength(sent.length);
        for (const key of keys) {
          const mine = records.filter((entry) => entry.key === key);
          expect(valuesOf(mine)).toEqual(Array.from({ length: 40 }, (_, round) => `${key}#${round}`));
          expect(new Set(mine.map((entry) => entry.partition))).toEqual(new Set([partitionForKey(key, 4)]));
          const offsets = mine.map((entry) => BigInt(entry.offset));
          expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
        }
      },
      testTimeout,
    );

    it(
      'splits partitions between two members of a group and delivers each record once',
      async () => {
        const topic = await resources.topic(4);
        const groupId = resources.group();
        const first = await resources.collect({ groupId, topics: [topic] });
        await until(() => first.consumer.assignment().length === 4, 'first member to own all 4', timeoutMs);
        const second = await resources.collect({ groupId, topics: [topic] });
        await until(
          () => first.consumer.assignment().length === 2 && second.consumer.assignment().length === 2,
          'two members with 2 partitions each',
          timeoutMs,
        );
        const owned = [...first.consumer.assignment(), ...second.consumer.assignment()].map(
          ({ partition }) => partition,
        );
        expect(owned.sort()).toEqual([0, 1, 2, 3]);
        const producer = await log.createProducer();
        const sent = Array.from({ length: 200 }, (_, i) => record(topic, `key-${i % 17}`, `v${i}`));
        await producer.send(sent);
        await until(() => first.records.length + second.records.length >= 200, '200 records', timeoutMs);
        const all = [...valuesOf(first.records), ...valuesOf(second.records)];
        expect(all.sort()).toEqual(sent.map((entry) => entry.value?.toString()).sort());
        const partitionsOf = (records: readonly LogRecord[]) =>
          new Set(records.map((entry) => entry.partition));
        const firstOwns = new Set(first.consumer.assignment().map(({ partition }) => partition));
        for (const partition of partitionsOf(first.records)) expect(firstOwns.has(partition)).toBe(true);
        for (const partition of partitionsOf(second.records)) expect(firstOwns.has(partition)).toBe(false);
      },
      testTimeout,
    );

    it(
      'resumes a new group member after the last committed offset',
      async () => {
        const topic = await resources.topic(1);
        const groupId = resources.group();
        const producer = await log.createProducer();
        await producer.send(Array.from({ length: 10 }, (_, i) => record(topic, 'k', `a${i}`)));
        const manual = await resources.collect({ groupId, topics: [topic], commit: 'manual' });
        await until(() => manual.records.length === 10, 'the first 10 records', timeoutMs);
        const sixth = manual.records[5];
        if (sixth === undefined) throw new Error('no sixth record');
        // committed = next offset to read: the 7th record onwards is not done yet
        await manual.consumer.commit([{ topic, partition: 0, offset: nextOffset(sixth) }]);
        await manual.consumer.close();
        const committed = await log.admin.committedOffsets(groupId, topic);
        expect(committed).toEqual([{ topic, partition: 0, offset: nextOffset(sixth) }]);

        await producer.send([record(topic, 'k', 'b0'), record(topic, 'k', 'b1')]);
        const resumed = await resources.collect({ groupId, topics: [topic] });
        await until(() => resumed.records.length === 6, 'the 4 uncommitted and 2 new records', timeoutMs);
        expect(resumed.values()).toEqual(['a6', 'a7', 'a8', 'a9', 'b0', 'b1']);
        await resumed.consumer.close();

        // after-batch mode committed what it handled: a third member starts at the end
        await producer.send([record(topic, 'k', 'c0')]);
        const third = await resources.collect({ groupId, topics: [topic] });
        await until(() => third.records.length === 1, 'the one new record', timeoutMs);
        expect(third.values()).toEqual(['c0']);
      },
      testTimeout,
    );

    it(
      'seeks to an offset and to a timestamp from the assignment callback',
      async () => {
        const topic = await resources.topic(1);
        const producer = await log.createProducer();
        // record timestamps a minute in the past: brokers refuse timestamps too far in the future
        const base = Date.now() - 60_000;
        await producer.send(
          Array.from({ length: 10 }, (_, i) => record(topic, 'k', `t${i}`, base + i * 1000)),
        );
        const byOffset = await resources.collect({
          groupId: resources.group(),
          topics: [topic],
          onAssigned: (_, consumer) => consumer.seek({ topic, partition: 0, offset: '7' }),
        });
        await until(() => byOffset.records.length === 3, 'records 7..9', timeoutMs);
        expect(byOffset.values()).toEqual(['t7', 't8', 't9']);

        const [start] = await log.admin.offsetsForTimes(topic, base + 5500);
        expect(start).toEqual({ topic, partition: 0, offset: '6' });
        const [beyond] = await log.admin.offsetsForTimes(topic, base + 60_000);
        expect(beyond?.offset).toBe('10');
        const byTime = await resources.collect({
          groupId: resources.group(),
          topics: [topic],
          onAssigned: (_, consumer) => (start === undefined ? undefined : consumer.seek(start)),
        });
        await until(() => byTime.records.length === 4, 'records from t6', timeoutMs);
        expect(byTime.values()).toEqual(['t6', 't7', 't8', 't9']);
        expect(byTime.records.map((entry) => entry.timestamp)).toEqual(
          [6, 7, 8, 9].map((i) => base + i * 1000),
        );
      },
      testTimeout,
    );

    it(
      'never shows records of an aborted transaction and shows a committed one whole',
      async () => {
        const topic = await resources.topic(2);
        const producer = await log.createTransactionalProducer(resources.name('txn'));
        const aborted = await producer.transaction();
        await aborted.send([record(topic, 'a', 'aborted-1'), record(topic, 'b', 'aborted-2')]);
        await aborted.abort();
        const committed = await producer.transaction();
        await committed.send([record(topic, 'a', 'committed-1'), record(topic, 'b', 'committed-2')]);
        await committed.commit();
        const plain = await log.createProducer();
        await plain.send([record(topic, 'a', 'after')]);
        const reader = await resources.collect({ groupId: resources.group(), topics: [topic] });
        await until(() => reader.records.length >= 3, 'the committed and later records', timeoutMs);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(reader.values().sort()).toEqual(['after', 'committed-1', 'committed-2']);
      },
      testTimeout,
    );

    it(
      'commits consumed offsets with the transaction (consume-transform-produce), not with an aborted one',
      async () => {
        const input = await resources.topic(1, false, 'input');
        const output = await resources.topic(1, false, 'output');
        const groupId = resources.group();
        await (await log.createProducer()).send([1, 2, 3].map((n) => record(input, 'k', `in${n}`)));
        const producer = await log.createTransactionalProducer(resources.name('txn'));
        const transform = (outcome: 'commit' | 'abort') => async (batch: RecordBatch) => {
          const last = batch.records.at(-1);
          if (last === undefined) return;
          const transaction = await producer.transaction();
          const prefix = outcome === 'abort' ? 'lost-' : '';
          await transaction.send(
            batch.records.map((entry) => record(output, entry.key, `${prefix}${entry.value}`)),
          );
          await transaction.sendOffsets(groupId, [{ topic: input, partition: 0, offset: nextOffset(last) }]);
          await (outcome === 'abort' ? transaction.abort() : transaction.commit());
        };

        const failed = await resources.collect({
          groupId,
          topics: [input],
          commit: 'manual',
          handler: transform('abort'),
        });
        await until(() => failed.records.length === 3, 'the input records', timeoutMs);
        await failed.consumer.close();
        expect(await log.admin.committedOffsets(groupId, input)).toEqual([
          { topic: input, partition: 0, offset: null },
        ]);

        const retried = await resources.collect({
          groupId,
          topics: [input],
          commit: 'manual',
          handler: transform('commit'),
        });
        await until(() => retried.records.length === 3, 'the same records again', timeoutMs);
        await retried.consumer.close();
        expect(await log.admin.committedOffsets(groupId, input)).toEqual([
          { topic: input, partition: 0, offset: '3' },
        ]);

        const reader = await resources.collect({ groupId: resources.group(), topics: [output] });
        await until(() => reader.records.length >= 3, 'the committed output', timeoutMs);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(reader.values()).toEqual(['in1', 'in2', 'in3']);
      },
      testTimeout,
    );

    it(
      'fences a transactional producer when a newer one takes its id',
      async () => {
        const topic = await resources.topic(1);
        const transactionalId = resources.name('txn');
        const zombie = await log.createTransactionalProducer(transactionalId);
        const stale = await zombie.transaction();
        await stale.send([record(topic, 'k', 'zombie')]);
        const successor = await log.createTransactionalProducer(transactionalId);
        const error = await stale.commit().catch((caught: unknown) => caught);
        expect(isNexuralError(error) && error.code).toBe('NXR_FENCED');
        const fresh = await successor.transaction();
        await fresh.send([record(topic, 'k', 'successor')]);
        await fresh.commit();
        const reader = await resources.collect({ groupId: resources.group(), topics: [topic] });
        await until(() => reader.records.length >= 1, 'the successor record', timeoutMs);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(reader.values()).toEqual(['successor']);
      },
      testTimeout,
    );

    it(
      'keeps the latest value per key in a compacted topic; a tombstone deletes the key',
      async () => {
        const topic = await resources.topic(1, true);
        const producer = await log.createProducer();
        await producer.send([
          record(topic, 'rule-1', 'v1'),
          record(topic, 'rule-2', 'v1'),
          record(topic, 'rule-1', 'v2'),
          { topic, key: 'rule-2', value: null },
          record(topic, 'rule-3', 'v1'),
        ]);
        const reader = await resources.collect({ groupId: resources.group(), topics: [topic] });
        await until(
          () => reader.records.some((entry) => entry.key === 'rule-3'),
          'the last record',
          timeoutMs,
        );
        // a reader folds the log into a table; compaction may already have dropped older records
        const table = new Map<string, string>();
        for (const entry of reader.records) {
          if (entry.key === null) continue;
          if (entry.value === null) table.delete(entry.key);
          else table.set(entry.key, entry.value.toString());
        }
        expect(Object.fromEntries(table)).toEqual({ 'rule-1': 'v2', 'rule-3': 'v1' });
      },
      testTimeout,
    );

    it(
      'stops a consumer whose handler throws, without committing that batch',
      async () => {
        const topic = await resources.topic(1);
        const groupId = resources.group();
        await (await log.createProducer()).send([record(topic, 'k', 'poison')]);
        const failing = await resources.collect({
          groupId,
          topics: [topic],
          handler: async () => {
            throw new Error('handler bug');
          },
        });
        await until(() => failing.errors.length === 1, 'the handler error', timeoutMs);
        expect(failing.errors[0]?.message).toBe('handler bug');
        await failing.consumer.close();
        expect(await log.admin.committedOffsets(groupId, topic)).toEqual([
          { topic, partition: 0, offset: null },
        ]);
      },
      testTimeout,
    );

    it(
      "hands a batch's columns, where asked and it can, as exactly its records (aborted and control entries skipped)",
      async () => {
        const topic = await resources.topic(1);
        const compacted = await resources.topic(1, true, 'compacted');
        const producer = await log.createProducer();
        await producer.send([
          record(topic, 'a', 'first', 1_700_000_000_001),
          { topic, key: null, value: text('no key'), headers: { origin: 'contract' } },
          record(compacted, 'gone', 'soon deleted'),
          { topic: compacted, key: 'gone', value: null },
        ]);
        const transactional = await log.createTransactionalProducer(resources.name('txn'));
        for (const outcome of ['aborted', 'committed'] as const) {
          const transaction = await transactional.transaction();
          await transaction.send([record(topic, 't', outcome), record(compacted, 'c', outcome)]);
          await (outcome === 'aborted' ? transaction.abort() : transaction.commit());
        }
        await producer.send([record(topic, 'z', 'x'.repeat(300_000)), record(topic, 'last', 'last')]);
        const mismatches: string[] = [];
        const sameAsRecords = async (batch: RecordBatch) => {
          const columns = batch.columns;
          if (columns === undefined) return;
          if (columns.length !== batch.records.length) mismatches.push(`length ${columns.length}`);
          batch.records.forEach((entry, index) => {
            const bytes = columns.valueBytes(index);
            const value =
              bytes === null ? null : bytes.subarray(columns.valueStart(index), columns.valueEnd(index));
            const seen = [String(columns.offset(index)), columns.key(index), columns.timestamp(index), value];
            const expected = [entry.offset, entry.key, entry.timestamp, entry.value];
            if (
              !seen.every((field, at) =>
                field instanceof Buffer ? field.equals(expected[at] as Buffer) : field === expected[at],
              )
            )
              mismatches.push(`${entry.topic}@${entry.offset}`);
          });
        };
        const plain = await resources.collect({
          groupId: resources.group(),
          topics: [topic],
          inPlace: true,
          handler: sameAsRecords,
        });
        const table = await resources.collect({
          groupId: resources.group(),
          topics: [compacted],
          inPlace: true,
          handler: sameAsRecords,
        });
        await until(() => plain.records.length === 5, 'the committed records', timeoutMs);
        await until(() => table.values().includes('committed'), 'the compacted records', timeoutMs);
        const shortly = (value: string) => (value.length > 100 ? `${value.length} bytes` : value);
        expect(plain.values().map(shortly)).toEqual(['first', 'no key', 'committed', '300000 bytes', 'last']);
        expect(plain.records[1]?.headers).toEqual({ origin: 'contract' });
        expect(mismatches).toEqual([]);
      },
      testTimeout,
    );

    deadLetterRoutingContract(() => ({ log, resources }), timeoutMs);
    streamLogFlowContract(() => ({ log, resources }), timeoutMs);
    streamLogGenerationContract(() => ({ log, resources }), timeoutMs);
  });
}
