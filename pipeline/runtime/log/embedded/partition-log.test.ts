import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../../../schemas/ports/stream-log.js';
import type { ColumnBatch } from './column-batch.js';
import { type AppendInput, PartitionLog, type TransactionMark } from './partition-log.js';

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values from empty to larger than a chunk (256 KiB), null now and then, headers on a few. */
function inputs(seed: number, count: number): AppendInput[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, n) => {
    const roll = next();
    const size = roll < 0.01 ? 300_000 + Math.floor(next() * 100_000) : Math.floor(next() * 2_000);
    const value = roll > 0.97 ? null : Buffer.alloc(size, `${n};`);
    const headers: Record<string, string> = roll < 0.05 ? { origin: `h${n}` } : {};
    return {
      key: roll > 0.5 ? `symbol-${n % 7}` : roll > 0.02 ? `k${n}` : null,
      value,
      timestamp: 1_700_000_000_000 + n,
      headers,
    };
  });
}

const readable = (log: PartitionLog, from: number) =>
  log.read(from, Number.MAX_SAFE_INTEGER).records.map((record) => ({
    offset: Number(record.offset),
    key: record.key,
    value: record.value?.toString('base64') ?? null,
    timestamp: record.timestamp,
    headers: { ...record.headers },
  }));

const expected = (all: readonly AppendInput[], from: number) =>
  all.slice(from).map((input, index) => ({
    offset: from + index,
    key: input.key,
    value: input.value?.toString('base64') ?? null,
    timestamp: input.timestamp,
    headers: { ...input.headers },
  }));

describe('partition log in memory', () => {
  it('reads back every record as appended, across chunk boundaries, large values, nulls and headers', () => {
    for (const seed of [1, 2, 3]) {
      const log = new PartitionLog('t', 0, false, {
        retentionBytes: -1,
        retentionMs: -1,
        cacheBytes: 0,
        now: () => 0,
      });
      const all = inputs(seed, 2_000);
      for (const input of all) log.append(input, null);
      expect(readable(log, 0), `seed ${seed}`).toEqual(expected(all, 0));
    }
  });

  it('keeps what was read valid after retention evicts it, and reads the rest from the new start', () => {
    const log = new PartitionLog('t', 0, false, {
      retentionBytes: 2 * 1024 * 1024,
      retentionMs: -1,
      cacheBytes: 0,
      now: () => 0,
    });
    const all = inputs(7, 6_000);
    const early: ReturnType<typeof readable> = [];
    let earlyLow = 0;
    for (const [index, input] of all.entries()) {
      log.append(input, null);
      log.trim();
      if (index === 499) {
        earlyLow = log.low;
        early.push(...readable(log, 0));
      }
    }
    expect(early).toEqual(expected(all.slice(0, 500), earlyLow));
    expect(log.low).toBeGreaterThan(500);
    expect(readable(log, 0)).toEqual(expected(all, log.low));
  });

  it('shows a reader the committed transactions only, markers and aborted records skipped, over many column growths', () => {
    const log = new PartitionLog('t', 0, false, {
      retentionBytes: -1,
      retentionMs: -1,
      cacheBytes: 0,
      now: () => 0,
    });
    const next = random(11);
    const committed: { offset: number; value: string }[] = [];
    for (let id = 1; log.end < 10_000; id++) {
      const mark: TransactionMark = { id, state: 'open' };
      const values = Array.from({ length: 1 + Math.floor(next() * 5) }, (_, n) => `${id}.${n}`);
      const offsets = values.map((value) =>
        log.append({ key: 'k', value: Buffer.from(value), timestamp: id, headers: {} }, mark),
      );
      mark.state = next() < 0.2 ? 'aborted' : 'committed';
      log.endTransaction(mark);
      if (mark.state === 'committed') {
        for (const [n, value] of values.entries()) committed.push({ offset: offsets[n] as number, value });
      }
    }
    const read = log
      .read(0, Number.MAX_SAFE_INTEGER)
      .records.map((record) => ({ offset: Number(record.offset), value: `${record.value}` }));
    expect(read).toEqual(committed);
  });

  it('a committed record of a compacted partition hides the older one of its key; the others stay readable', () => {
    const log = new PartitionLog('rules', 0, true, {
      retentionBytes: -1,
      retentionMs: -1,
      cacheBytes: 0,
      now: () => 0,
    });
    const put = (key: string, value: string) =>
      log.append({ key, value: Buffer.from(value), timestamp: 1, headers: {} }, null);
    put('a', '1');
    put('b', '1');
    put('a', '2');
    expect(log.read(0, 10).records.map((record) => [record.offset, record.key, `${record.value}`])).toEqual([
      ['1', 'b', '1'],
      ['2', 'a', '2'],
    ]);
  });
  it('reads in place into a batch read before: the same records as read(), longer and shorter reads in turn', () => {
    const log = new PartitionLog('t', 0, false, {
      retentionBytes: -1,
      retentionMs: -1,
      cacheBytes: 0,
      now: () => 0,
    });
    const all = inputs(11, 1_000);
    for (const input of all) log.append(input, null);
    const asRead = (records: readonly LogRecord[]) =>
      records.map((record) => ({
        offset: Number(record.offset),
        key: record.key,
        value: record.value?.toString('base64') ?? null,
        timestamp: record.timestamp,
        headers: { ...record.headers },
      }));
    let reused: ColumnBatch | undefined;
    let from = 0;
    const kept: { records: readonly LogRecord[]; expected: ReturnType<typeof asRead> }[] = [];
    for (const size of [300, 5, 120, 1, 400, 60, 500]) {
      const read = log.readInPlace(from, size, reused);
      if (read === null) throw new Error('in memory: never null');
      if (reused !== undefined) expect(read.batch).toBe(reused);
      reused = read.batch;
      const expected = asRead(log.read(from, size).records);
      expect(read.batch.length).toBe(expected.length);
      expect(asRead(read.batch.records)).toEqual(expected);
      kept.push({ records: read.batch.records, expected });
      from = read.next;
    }
    expect(from).toBe(1_000);
    // records built from an earlier fill of the batch are not changed by the next ones
    for (const { records, expected } of kept) expect(asRead(records)).toEqual(expected);
  });
});
