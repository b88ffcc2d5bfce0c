import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { PartitionLog } from './embedded/partition-log.js';
import { SegmentStore } from './embedded/segment-store.js';
import { createEmbeddedLog } from './embedded-log.js';
import { collect, until } from './testing/stream-log-test-kit.js';

const scratch = mkdtempSync(join(tmpdir(), 'nexural-segments-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const freshDir = () => mkdtempSync(join(scratch, 'log-'));
/** 1 KiB values, numbered so a read shows which record came back */
const value = (n: number) => Buffer.from(`${String(n).padStart(8, '0')}${'x'.repeat(1016)}`);
const numberOf = (bytes: Buffer | null) => Number(bytes?.subarray(0, 8).toString() ?? Number.NaN);

const segmentFiles = (dataDir: string, topic: string, partition = 0) =>
  readdirSync(join(dataDir, topic, String(partition))).filter((name) => name.endsWith('.seg'));
const diskBytes = (dataDir: string, topic: string, partition = 0) =>
  segmentFiles(dataDir, topic, partition).reduce(
    (sum, name) => sum + statSync(join(dataDir, topic, String(partition), name)).size,
    0,
  );

async function produce(
  log: StreamLog,
  topic: string,
  from: number,
  count: number,
  key = (n: number) => `k${n}`,
) {
  const producer = await log.createProducer();
  for (let n = from; n < from + count; n += 100) {
    const last = Math.min(n + 100, from + count);
    await producer.send(
      Array.from({ length: last - n }, (_, i) => ({
        topic,
        key: key(n + i),
        value: value(n + i),
        partition: 0,
      })),
    );
  }
}

async function readAll(log: StreamLog, topic: string, count: number): Promise<number[]> {
  const reader = await collect(log, {
    groupId: `reader-${Math.random()}`,
    topics: [topic],
    start: 'earliest',
  });
  await until(() => reader.records.length >= count, `${count} records`, 5000);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await reader.consumer.close();
  return reader.records.map((record) => numberOf(record.value));
}

describe('embedded log on disk segments', () => {
  it('drops the oldest segments once a partition holds more than retention.bytes', async () => {
    const dataDir = freshDir();
    const log = createEmbeddedLog({ dataDir, segmentBytes: 64 * 1024 });
    await log.admin.createTopics([
      { name: 'trades', partitions: 1, compacted: false, retentionBytes: 256 * 1024 },
    ]);
    await produce(log, 'trades', 0, 2000); // ~2 MiB of records
    const [range] = await log.admin.partitionRanges('trades');
    expect(Number(range?.low)).toBeGreaterThan(1500);
    expect(range?.high).toBe('2000');
    // what is left is the retention plus at most one segment
    expect(diskBytes(dataDir, 'trades')).toBeLessThanOrEqual(256 * 1024 + 64 * 1024 + 2048);
    const kept = await readAll(log, 'trades', 2000 - Number(range?.low));
    expect(kept[0]).toBe(Number(range?.low));
    expect(kept.at(-1)).toBe(1999);
    await log.close();
  });

  it('drops segments last written longer ago than retention.ms', async () => {
    const dataDir = freshDir();
    let clock = Date.parse('2026-12-04T12:00:00Z');
    const log = createEmbeddedLog({ dataDir, segmentBytes: 32 * 1024, now: () => clock });
    await log.admin.createTopics([
      { name: 'ticks', partitions: 1, compacted: false, retentionMs: 3_600_000 },
    ]);
    await produce(log, 'ticks', 0, 300);
    clock += 2 * 3_600_000;
    await produce(log, 'ticks', 300, 100);
    const [range] = await log.admin.partitionRanges('ticks');
    expect(Number(range?.low)).toBeGreaterThanOrEqual(300 - 40);
    expect(await readAll(log, 'ticks', 400 - Number(range?.low))).toContain(399);
    await log.close();
  });

  it('keeps only the latest record per key of a compacted topic on disk, so the files shrink', async () => {
    const dataDir = freshDir();
    const log = createEmbeddedLog({ dataDir, segmentBytes: 32 * 1024 });
    await log.admin.createTopics([{ name: 'state', partitions: 1, compacted: true }]);
    await produce(log, 'state', 0, 3000, (n) => `key-${n % 10}`); // ~3 MiB written, 10 live keys
    expect(diskBytes(dataDir, 'state')).toBeLessThan(200 * 1024);
    expect(await readAll(log, 'state', 10)).toEqual([
      2990, 2991, 2992, 2993, 2994, 2995, 2996, 2997, 2998, 2999,
    ]);
    await log.close();
    const reopened = createEmbeddedLog({ dataDir, segmentBytes: 32 * 1024 });
    expect(await readAll(reopened, 'state', 10)).toEqual([
      2990, 2991, 2992, 2993, 2994, 2995, 2996, 2997, 2998, 2999,
    ]);
    await reopened.close();
  });

  it('restarts with every committed record, group offset and transaction outcome across rolled segments', async () => {
    const dataDir = freshDir();
    const first = createEmbeddedLog({ dataDir, segmentBytes: 32 * 1024, cacheBytesPerPartition: 16 * 1024 });
    await first.admin.createTopics([{ name: 'in', partitions: 1, compacted: false }]);
    await produce(first, 'in', 0, 500);
    const transactional = await first.createTransactionalProducer('tx');
    const kept = await transactional.transaction();
    await kept.send([{ topic: 'in', key: 'a', value: value(500), partition: 0 }]);
    await kept.sendOffsets('g', [{ topic: 'in', partition: 0, offset: '321' }]);
    await kept.commit();
    const dropped = await transactional.transaction();
    await dropped.send([{ topic: 'in', key: 'a', value: value(-1), partition: 0 }]);
    await dropped.abort();
    const before = await readAll(first, 'in', 501);
    const ranges = await first.admin.partitionRanges('in');
    await first.close();
    expect(segmentFiles(dataDir, 'in').length).toBeGreaterThan(10);

    const second = createEmbeddedLog({ dataDir, segmentBytes: 32 * 1024, cacheBytesPerPartition: 16 * 1024 });
    expect(await second.admin.partitionRanges('in')).toEqual(ranges);
    expect(await second.admin.committedOffsets('g', 'in')).toEqual([
      { topic: 'in', partition: 0, offset: '321' },
    ]);
    const after = await readAll(second, 'in', 501);
    expect(after).toEqual(before);
    expect(after).toEqual(Array.from({ length: 501 }, (_, n) => n));
    await second.close();
  });

  it('cuts a torn last frame (a crash mid-append) and appends after the last whole one', async () => {
    const dataDir = freshDir();
    const first = createEmbeddedLog({ dataDir, segmentBytes: 32 * 1024 });
    await first.admin.createTopics([{ name: 't', partitions: 1, compacted: false }]);
    await produce(first, 't', 0, 100);
    await first.close();
    const files = segmentFiles(dataDir, 't').sort();
    const last = join(dataDir, 't', '0', files.at(-1) ?? '');
    const whole = statSync(last).size;
    // the first 30 bytes of a 1 KiB frame: its length prefix promises more than the file holds
    appendFileSync(last, Buffer.concat([Buffer.from([0x10, 0x04, 0, 0]), Buffer.alloc(26, 7)]));

    const second = createEmbeddedLog({ dataDir, segmentBytes: 32 * 1024 });
    expect(statSync(last).size).toBe(whole);
    expect((await second.admin.partitionRanges('t'))[0]?.high).toBe('100');
    await produce(second, 't', 100, 1);
    expect(await readAll(second, 't', 101)).toEqual(Array.from({ length: 101 }, (_, n) => n));
    await second.close();
  });
});

describe('partition memory with segments on disk', () => {
  it('holds at most the cache bound in memory while 16 MiB go through, and reads old offsets from disk', () => {
    const store = new SegmentStore(join(freshDir(), 'p0'), 1024 * 1024, Date.now);
    const cacheBytes = 256 * 1024;
    const log = new PartitionLog(
      'big',
      0,
      false,
      { retentionBytes: -1, retentionMs: -1, cacheBytes, now: Date.now },
      store,
    );
    let mostEntries = 0;
    let mostBytes = 0;
    for (let n = 0; n < 16 * 1024; n += 1) {
      log.append({ key: `k${n}`, value: value(n), timestamp: n, headers: {} }, null);
      if (n % 64 === 63) {
        store.flush();
        log.trim();
        mostEntries = Math.max(mostEntries, log.memory.entries);
        mostBytes = Math.max(mostBytes, log.memory.bytes);
      }
    }
    expect(store.totalBytes).toBeGreaterThan(16 * 1024 * 1024);
    expect(mostBytes).toBeLessThanOrEqual(cacheBytes + 64 * 1200);
    expect(mostEntries).toBeLessThan(512);
    const oldest = log.read(0, 3);
    expect(oldest.records.map((record) => numberOf(record.value))).toEqual([0, 1, 2]);
    expect(log.read(8000, 2).records.map((record) => [record.offset, numberOf(record.value)])).toEqual([
      ['8000', 8000],
      ['8001', 8001],
    ]);
    expect(log.offsetForTime(12_345)).toBe(12_345);
    store.close();
  });
});
