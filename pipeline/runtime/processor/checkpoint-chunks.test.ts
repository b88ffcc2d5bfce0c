import { describe, expect, it } from 'vitest';
import type { OutgoingRecord } from '../../../schemas/ports/stream-log.js';
import { checkpointRecords, inSends, readCheckpoint } from './checkpoint-chunks.js';
import type { PartitionCheckpoint } from './partition-checkpoint.js';

const source = { topic: 'nexural.trades.raw', partition: 2 };
const rules = [
  { id: 'btc-61700', symbol: 'BTCUSDT' },
  { id: 'eth-3000', symbol: 'ETHUSDT' },
];
const checkpoint = (
  nextOffset: string,
  ids: number,
  ruleSet: readonly unknown[] = rules,
): PartitionCheckpoint => ({
  version: 2,
  topic: source.topic,
  partition: source.partition,
  nextOffset,
  engine: { window: new Float64Array([1.5, Number.NaN, -0]) },
  rules: ruleSet,
  duplicates: {
    capacityPerSymbol: 10_000,
    symbols: { 'binance:BTCUSDT': Array.from({ length: ids }, (_, i) => String(5266583935 + i)) },
  },
  clock: { maxEventMs: 1723161599643, advancedToMs: 1723161599000 },
  ruleIds: ['btc-61700'],
});

/** A compacted topic as a table: the latest value per key. */
const table = (...batches: OutgoingRecord[][]) => {
  const latest = new Map<string, Buffer | null>();
  for (const record of batches.flat()) latest.set(record.key ?? '', record.value);
  return (key: string) => latest.get(key);
};

describe('checkpoint chunks', () => {
  it('split a checkpoint larger than a chunk into chunks plus a manifest, all in its partition, and read it back', () => {
    const big = checkpoint('120000', 10_000);
    const { records } = checkpointRecords('state', big, 1723161600000, null, 32 * 1024);
    expect(records.length).toBeGreaterThan(3);
    expect(records.every((record) => record.partition === 2 && record.topic === 'state')).toBe(true);
    expect(records.at(-1)?.key).toBe('nexural.trades.raw:2');
    const restored = readCheckpoint(table(records), source, '120000');
    expect(restored).toEqual(big);
    expect(restored?.engine).toEqual({ window: new Float64Array([1.5, Number.NaN, -0]) });
  });

  it('ignore chunks a longer, older checkpoint left behind in the compacted topic', () => {
    const older = checkpointRecords('state', checkpoint('1000', 10_000), 1, null, 32 * 1024).records;
    const newer = checkpointRecords('state', checkpoint('2000', 10), 2, null, 32 * 1024).records;
    expect(newer.length).toBeLessThan(older.length);
    expect(readCheckpoint(table(older, newer), source, '2000')).toEqual(checkpoint('2000', 10));
    expect(readCheckpoint(table(older, newer), source, '1000')).toBeNull();
  });

  it('are not a checkpoint while a chunk is missing or from another checkpoint', () => {
    const { records } = checkpointRecords('state', checkpoint('3000', 10_000), 1, null, 32 * 1024);
    const withoutSecond = records.filter((record) => record.key !== 'nexural.trades.raw:2#1');
    expect(readCheckpoint(table(withoutSecond), source, '3000')).toBeNull();
    const stale = checkpointRecords('state', checkpoint('2500', 10_000), 1, null, 32 * 1024).records.filter(
      (record) => record.key === 'nexural.trades.raw:2#1',
    );
    expect(readCheckpoint(table(records, stale), source, '3000')).toBeNull();
  });

  it('write the rule set with the first checkpoint, then only refer to it while the rules are the same objects', () => {
    const first = checkpointRecords('state', checkpoint('1000', 10), 1);
    expect(first.writesRuleSet).toBe(true);
    expect(first.records.map((record) => record.key)).toEqual([
      'nexural.trades.raw:2:rules#0',
      'nexural.trades.raw:2:rules',
      'nexural.trades.raw:2#0',
      'nexural.trades.raw:2',
    ]);
    const second = checkpointRecords('state', checkpoint('2000', 10), 2, first.ruleSet);
    expect(second.writesRuleSet).toBe(false);
    expect(second.ruleSet).toBe(first.ruleSet);
    expect(second.records.map((record) => record.key)).toEqual([
      'nexural.trades.raw:2#0',
      'nexural.trades.raw:2',
    ]);
    expect(readCheckpoint(table(first.records, second.records), source, '2000')).toEqual(
      checkpoint('2000', 10),
    );

    // an equal but new rule object is a change as far as the writer can tell: written again, same id
    const copied = checkpoint(
      '3000',
      10,
      rules.map((rule) => ({ ...rule })),
    );
    const third = checkpointRecords('state', copied, 3, second.ruleSet);
    expect(third.writesRuleSet).toBe(true);
    expect(third.ruleSet?.id).toBe(first.ruleSet?.id);
    const changed = checkpointRecords('state', checkpoint('4000', 10, rules.slice(1)), 4, third.ruleSet);
    expect(changed.writesRuleSet).toBe(true);
    expect(changed.ruleSet?.id).not.toBe(first.ruleSet?.id);
    const all = table(first.records, second.records, third.records, changed.records);
    expect(readCheckpoint(all, source, '4000')?.rules).toEqual(rules.slice(1));
  });

  it('are not a checkpoint while its rule set is missing or another one', () => {
    const first = checkpointRecords('state', checkpoint('1000', 10), 1);
    const second = checkpointRecords('state', checkpoint('2000', 10), 2, first.ruleSet);
    expect(readCheckpoint(table(second.records), source, '2000')).toBeNull();
    const other = checkpointRecords('state', checkpoint('3000', 10, rules.slice(1)), 3).records;
    const otherRules = other.filter((record) => record.key?.includes(':rules'));
    expect(readCheckpoint(table(first.records, second.records, otherRules), source, '2000')).toBeNull();
  });
});

describe('inSends', () => {
  it('splits records into sends under a byte budget, in order, never splitting a record', () => {
    const records = Array.from({ length: 10 }, (_, i) => ({
      topic: 'bars',
      key: `k${i}`,
      value: Buffer.alloc(100 * (i + 1)),
    }));
    const sends = inSends(records, 1000);
    expect(sends.flat()).toEqual(records);
    for (const send of sends.slice(0, -1)) {
      expect(send.reduce((sum, record) => sum + (record.value?.length ?? 0) + 66, 0)).toBeLessThanOrEqual(
        1000,
      );
    }
    expect(inSends([{ topic: 't', key: null, value: Buffer.alloc(5000) }], 1000)).toHaveLength(1);
  });
});
