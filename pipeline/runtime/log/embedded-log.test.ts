import { describe, expect, it } from 'vitest';
import { createEmbeddedLog } from './embedded-log.js';
import { streamLogContract } from './stream-log.contract.js';
import { collect, until } from './testing/stream-log-test-kit.js';

streamLogContract('embedded', async () => createEmbeddedLog(), { timeoutMs: 2000 });

const text = (value: string) => Buffer.from(value, 'utf8');

describe('embedded log', () => {
  it('drops older records of a key in a compacted topic once a newer one is committed', async () => {
    const log = createEmbeddedLog();
    await log.admin.createTopics([{ name: 'rules', partitions: 1, compacted: true }]);
    const producer = await log.createProducer();
    await producer.send([
      { topic: 'rules', key: 'a', value: text('1') },
      { topic: 'rules', key: 'a', value: text('2') },
      { topic: 'rules', key: 'b', value: text('1') },
      { topic: 'rules', key: 'b', value: null },
    ]);
    const reader = await collect(log, { groupId: 'g', topics: ['rules'] });
    await until(() => reader.records.length === 2, 'the two latest records', 1000);
    expect(
      reader.records.map((record) => [record.offset, record.key, record.value?.toString() ?? null]),
    ).toEqual([
      ['1', 'a', '2'],
      ['3', 'b', null],
    ]);
    await log.close();
  });

  it('hands batches read from memory in place (columns) besides their records to a consumer that asks', async () => {
    const log = createEmbeddedLog();
    await log.admin.createTopics([{ name: 'raw', partitions: 1, compacted: false }]);
    await (await log.createProducer()).send(
      [1, 2, 3].map((n) => ({ topic: 'raw', key: 'k', value: text(`v${n}`) })),
    );
    const inPlace: (number | undefined)[] = [];
    const asked = await collect(log, {
      groupId: 'g',
      topics: ['raw'],
      inPlace: true,
      handler: async (batch) => {
        inPlace.push(batch.columns?.length);
      },
    });
    const plain: (number | undefined)[] = [];
    const notAsked = await collect(log, {
      groupId: 'h',
      topics: ['raw'],
      handler: async (batch) => {
        plain.push(batch.columns?.length);
      },
    });
    await until(() => asked.records.length === 3 && notAsked.records.length === 3, 'the three records', 1000);
    expect(inPlace).toEqual([3]);
    expect(plain).toEqual([undefined]);
    expect(asked.values()).toEqual(['v1', 'v2', 'v3']);
    expect(notAsked.values()).toEqual(['v1', 'v2', 'v3']);
    await log.close();
  });

  it('holds back records behind an open transaction (read committed) until it ends', async () => {
    const log = createEmbeddedLog();
    await log.admin.createTopics([{ name: 't', partitions: 1, compacted: false }]);
    const transactional = await log.createTransactionalProducer('tx');
    const open = await transactional.transaction();
    await open.send([{ topic: 't', key: 'k', value: text('in-transaction') }]);
    await (await log.createProducer()).send([{ topic: 't', key: 'k', value: text('after') }]);
    const reader = await collect(log, { groupId: 'g', topics: ['t'] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reader.records).toEqual([]);
    expect(await log.admin.partitionRanges('t')).toEqual([{ partition: 0, low: '0', high: '0' }]);
    await open.commit();
    await until(() => reader.records.length === 2, 'both records', 1000);
    expect(reader.values()).toEqual(['in-transaction', 'after']);
    // the commit marker takes an offset, as in Kafka
    expect(await log.admin.partitionRanges('t')).toEqual([{ partition: 0, low: '0', high: '3' }]);
    await log.close();
  });

  it('gives a lone member every partition and hands them back when a second member leaves', async () => {
    const log = createEmbeddedLog();
    await log.admin.createTopics([{ name: 't', partitions: 3, compacted: false }]);
    const events: string[] = [];
    const first = await collect(log, {
      groupId: 'g',
      topics: ['t'],
      onAssigned: (partitions) => {
        events.push(`assigned ${partitions.map((p) => p.partition).join(',')}`);
      },
      onRevoked: (partitions) => {
        events.push(`revoked ${partitions.map((p) => p.partition).join(',')}`);
      },
    });
    const second = await collect(log, { groupId: 'g', topics: ['t'] });
    expect(first.consumer.assignment().length + second.consumer.assignment().length).toBe(3);
    await second.consumer.close();
    expect(first.consumer.assignment().map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(events[0]).toBe('assigned 0,1,2');
    expect(events.at(-1)).toBe('assigned 0,1,2');
    await log.close();
  });
});
