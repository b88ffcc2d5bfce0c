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

  it("carry a de-dup window's runs of consecutive ids, and refuse runs that are not [first, count] pairs", () => {
    const runs = Float64Array.of(5266576935, 9_000, 5266586000, 1_000);
    const withRuns: PartitionCheckpoint = {
      ...checkpoint('4000', 0),
      duplicates: { capacityPerSymbol: 10_000, symbols: { 'binance:BTCUSDT': runs, 'x:Y': ['uuid-1'] } },
    };
    const { records } = checkpointRecords('state', withRuns, 1, null, 32 * 1024);
    expect(records.reduce((bytes, record) => bytes + (record.value?.length ?? 0), 0)).toBeLessThan(1_000);
    expect(readCheckpoint(table(records), source, '4000')).toEqual(withRuns);
    for (const bad of [
      Float64Array.of(5, 2, 9),
      Float64Array.of(5, 0),
      Float64Array.of(-1, 3),
      Float64Array.of(1.5, 2),
    ]) {
      const broken = {
        ...withRuns,
        duplicates: { capacityPerSymbol: 10_000, symbols: { 'binance:BTCUSDT': bad } },
      };
      const brokenRecords = checkpointRecords('state', broken, 1, null, 32 * 1024).records;
      expect(() => readCheckpoint(table(brokenRecords), source, '4000')).toThrow(
        /duplicates\.symbols\.binance:BTCUSDT: (run 0|3 numbers)/,
      );
    }
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

  it("write a rule edit as the changes since the rule set, read back as the engine's rules in its order; a new rule set when they grow or the order moved", () => {
    type TestRule = Readonly<{ id: string; symbol?: string; value: number; edited?: boolean }>;
    const many: TestRule[] = Array.from({ length: 200 }, (_, i) =>
      Object.freeze({ id: `rule-${i}`, symbol: 'BTCUSDT', value: i }),
    );
    const first = checkpointRecords('state', checkpoint('1000', 10, many), 1);
    const edited = many.filter((saved) => saved.id !== 'rule-10');
    edited[49] = Object.freeze({ id: 'rule-50', symbol: 'ETHUSDT', value: 50 });
    edited.push(Object.freeze({ id: 'new-1', symbol: 'SOLUSDT', value: 1 }));
    const second = checkpointRecords('state', checkpoint('2000', 10, edited), 2, first.ruleSet);
    expect(second.writesRuleSet).toBe(true);
    expect(second.records.map((record) => record.key)).toEqual([
      'nexural.trades.raw:2:rule-changes#0',
      'nexural.trades.raw:2:rule-changes',
      'nexural.trades.raw:2#0',
      'nexural.trades.raw:2',
    ]);
    const changesBytes = second.records[0]?.value?.length ?? 0;
    const baseBytes = first.records[0]?.value?.length ?? 0;
    expect(changesBytes).toBeLessThan(baseBytes / 20);
    expect(readCheckpoint(table(first.records, second.records), source, '2000')?.rules).toEqual(edited);
    // cumulative: the next edit's changes hold both edits, against the same base
    const again = [...edited];
    again[61] = Object.freeze({ id: 'rule-62', symbol: 'ETHUSDT', value: 62 });
    const third = checkpointRecords('state', checkpoint('3000', 10, again), 3, second.ruleSet);
    expect(third.ruleSet?.id).toBe(first.ruleSet?.id);
    expect(
      readCheckpoint(table(first.records, second.records, third.records), source, '3000')?.rules,
    ).toEqual(again);
    // unchanged rules: only a reference, as with a base
    const fourth = checkpointRecords('state', checkpoint('4000', 10, again), 4, third.ruleSet);
    expect(fourth.writesRuleSet).toBe(false);
    expect(
      readCheckpoint(table(first.records, third.records, fourth.records), source, '4000')?.rules,
    ).toEqual(again);
    // a rule removed and added again moves to the end (a Map's order): changes cannot say that, a new base
    const moved: TestRule[] = [
      ...again.filter((saved) => saved.id !== 'rule-5'),
      Object.freeze({ id: 'rule-5', value: -5 }),
    ];
    const fifth = checkpointRecords('state', checkpoint('5000', 10, moved), 5, fourth.ruleSet);
    expect(fifth.records[0]?.key).toBe('nexural.trades.raw:2:rules#0');
    expect(readCheckpoint(table(first.records, third.records, fifth.records), source, '5000')?.rules).toEqual(
      moved,
    );
    // changes above a quarter of the base's bytes: a new base
    const most = moved.map((saved, i) => (i < 100 ? Object.freeze({ ...saved, edited: true }) : saved));
    const sixth = checkpointRecords('state', checkpoint('6000', 10, most), 6, fifth.ruleSet);
    expect(sixth.records[0]?.key).toBe('nexural.trades.raw:2:rules#0');
    // while its changes are missing, or are other ones, it is not a checkpoint (yet)
    expect(readCheckpoint(table(first.records, third.records.slice(2)), source, '3000')).toBeNull();
    expect(
      readCheckpoint(
        table(first.records, third.records.slice(2), second.records.slice(0, 2)),
        source,
        '3000',
      ),
    ).toBeNull();
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
