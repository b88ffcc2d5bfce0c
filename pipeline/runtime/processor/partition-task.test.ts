import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogRecord, OutgoingRecord } from '../../../schemas/ports/stream-log.js';
import { checkpointRecords, readCheckpoint } from './checkpoint-chunks.js';
import { marketEngineCheckpoints } from './engine-checkpoints.js';
import type { BatchOutputs } from './output-collector.js';
import { decodeCheckpoint, decodeProgress, encodeProgress } from './partition-checkpoint.js';
import { PartitionTask, type PartitionTaskOptions } from './partition-task.js';
import { readRawTrades, UM_TRADES_FILE } from './testing/processor-test-kit.js';

const options: PartitionTaskOptions = {
  source: { topic: 'nexural.trades.raw', partition: 0 },
  engine: { bars: { intervals: ['1s', '1m'] }, indicators: ['ema(9)'], liveBarThrottleMs: 500 },
  checkpoints: marketEngineCheckpoints,
  duplicatesPerSymbol: 1000,
};

// The first 6,000 real BTCUSDT USDⓈ-M trades of 2024-08-08 23:54:16 UTC onwards (../shared/data), as log records.
const records: LogRecord[] = readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT')
  .slice(0, 6000)
  .map((trade, index) => ({
    topic: 'nexural.trades.raw',
    partition: 0,
    offset: String(index),
    key: `${trade.venue}:${trade.symbol}`,
    value: Buffer.from(JSON.stringify(trade)),
    timestamp: 1723161400000 + index,
    headers: {},
  }));

const rule = {
  id: 'ema-cross',
  owner: 'alice',
  symbol: 'BTCUSDT',
  interval: '1s',
  source: { kind: 'indicator', spec: 'ema(9)' },
  condition: { operator: 'crossing', value: 61_750 },
  frequency: 'every_time',
};

/** fires once, early: its firing state (stopped) goes into the checkpoint */
const priceAbove = {
  id: 'price-above',
  owner: 'bob',
  symbol: 'BTCUSDT',
  interval: '1m',
  source: { kind: 'price' },
  condition: { operator: 'greater_than', value: 61_700 },
  frequency: 'once',
};

const image = (outputs: BatchOutputs) => JSON.stringify(outputs);

/** The state topic as a table (latest value per key). */
const table = (records: readonly Pick<OutgoingRecord, 'key' | 'value'>[]) => {
  const latest = new Map(records.map((record) => [record.key ?? '', record.value]));
  return (key: string) => latest.get(key);
};

describe('PartitionTask', () => {
  it('writes the same outputs however the records are split into batches', () => {
    const whole = PartitionTask.create(options);
    whole.syncRules(new Map([[rule.id, rule]]));
    whole.process(records);
    const batched = PartitionTask.create(options);
    batched.syncRules(new Map([[rule.id, rule]]));
    const parts: BatchOutputs[] = [];
    for (let from = 0; from < records.length; from += 777) {
      batched.process(records.slice(from, from + 777));
      parts.push(batched.take());
    }
    const expected = whole.take();
    expect(expected.alerts.length).toBeGreaterThan(0);
    expect(parts.flatMap((part) => part.bars)).toEqual(expected.bars);
    expect(parts.flatMap((part) => part.indicators)).toEqual(expected.indicators);
    expect(parts.flatMap((part) => part.alerts)).toEqual(expected.alerts);
  });

  it('continues from its checkpoint, read back from the state topic with its rule set, exactly as the original continues', () => {
    const original = PartitionTask.create(options);
    original.syncRules(new Map([rule, priceAbove].map((saved) => [saved.id, saved])));
    original.process(records.slice(0, 2500));
    expect(original.take().alerts.map((alert) => alert.ruleId)).toContain(priceAbove.id);
    const checkpoint = original.checkpoint('2500');
    if (checkpoint === null) throw new Error('MarketEngine snapshots are expected');
    const written = checkpointRecords('state', checkpoint, 1);
    expect(written.writesRuleSet).toBe(true);
    const read = readCheckpoint(table(written.records), options.source, '2500');
    if (read === null) throw new Error('the checkpoint is expected back');
    const restored = PartitionTask.restore(options, read);
    original.process(records.slice(2500));
    restored.process(records.slice(2500));
    expect(image(restored.take())).toBe(image(original.take()));
    expect(checkpoint.ruleIds).toEqual([rule.id, priceAbove.id].sort());
  });

  it('restores a version-1 checkpoint (rules inside the engine snapshot, as a6e75cd wrote it) and continues as an uninterrupted task', () => {
    // testing/fixtures/checkpoint-v1.json: the state-topic records (8 KiB chunks + manifest) of
    // PartitionTask.checkpoint('2500') → checkpointRecords, written by a6e75cd's code with these options,
    // these two rules and the first 2,500 records below
    const fixture: { alertsBefore: number; records: { key: string; value: string }[] } = JSON.parse(
      readFileSync(new URL('./testing/fixtures/checkpoint-v1.json', import.meta.url), 'utf8'),
    );
    const rules = new Map<string, unknown>([rule, priceAbove].map((saved) => [saved.id, saved]));
    const stored = fixture.records.map(({ key, value }) => ({ key, value: Buffer.from(value, 'base64') }));
    const checkpoint = readCheckpoint(table(stored), options.source, '2500');
    expect(checkpoint?.version).toBe(1);
    expect(checkpoint?.rules).toBeNull();
    if (!checkpoint) throw new Error('the version-1 checkpoint is expected back');
    const uninterrupted = PartitionTask.create(options);
    uninterrupted.syncRules(rules);
    uninterrupted.process(records.slice(0, 2500));
    expect(uninterrupted.take().alerts).toHaveLength(fixture.alertsBefore);
    const restored = PartitionTask.restore(options, checkpoint);
    uninterrupted.process(records.slice(2500));
    restored.process(records.slice(2500));
    const expected = uninterrupted.take();
    expect(expected.alerts.length).toBeGreaterThan(0);
    expect(image(restored.take())).toBe(image(expected));
    // its next checkpoint is a version 2 one with the same rules, stored apart
    const next = restored.checkpoint(String(records.length));
    expect(next?.version).toBe(2);
    expect(next?.rules?.map((saved) => (saved as { id: string }).id)).toEqual([...rules.keys()]);
  });

  it('refuses a repeated trade id that the checkpointed de-dup window remembers', () => {
    const task = PartitionTask.create(options);
    task.process(records.slice(0, 100));
    const checkpoint = task.checkpoint('100');
    if (checkpoint === null) throw new Error('MarketEngine snapshots are expected');
    const restored = PartitionTask.restore(options, checkpoint);
    const counts = restored.process([{ ...(records[42] as LogRecord), offset: '100' }]);
    expect(counts).toEqual({ ticks: 0, refused: 1 });
    expect(restored.take().deadLetters[0]?.value.code).toBe('NXR_DUPLICATE');
  });

  it('names the record each alert and late tick comes from, as plain data that outlives the batch', () => {
    const task = PartitionTask.create(options);
    task.syncRules(new Map([rule, priceAbove].map((saved) => [saved.id, saved])));
    task.process(records);
    const late = { ...(records[3000] as LogRecord), offset: '6000' };
    const value = JSON.parse(String(late.value));
    task.process([{ ...late, value: Buffer.from(JSON.stringify({ ...value, tradeId: '1' })) }]);
    const { alerts, deadLetters } = task.take();
    const fired = alerts.flatMap((alert) => (alert.kind === 'fired' ? [alert] : []));
    expect(fired.length).toBeGreaterThan(1);
    let byTick = 0;
    for (const alert of fired) {
      const position = alert.sourcePosition;
      if (position === null) throw new Error('every alert of a record is expected to name it');
      expect(JSON.parse(JSON.stringify(position))).toEqual(position);
      expect(Object.keys(position)).toEqual(['topic', 'partition', 'offset']);
      expect(position.topic).toBe('nexural.trades.raw');
      const record = records[Number(position.offset)] as LogRecord;
      const trade = JSON.parse(String(record.value));
      if (alert.trigger.kind === 'tick') {
        expect(trade.tradeId).toBe(alert.trigger.tradeId);
        byTick++;
      } else expect(trade.time).toBeGreaterThanOrEqual(alert.trigger.openTime);
    }
    expect(byTick).toBeGreaterThan(0);
    expect(new Set(fired.map((alert) => alert.sourcePosition?.offset)).size).toBe(fired.length);
    expect(deadLetters.length).toBeGreaterThan(0);
    for (const letter of deadLetters) {
      expect(letter.value.code).toBe('NXR_LATE_TICK');
      expect(letter.value.source).toEqual({ topic: 'nexural.trades.raw', partition: 0, offset: '6000' });
    }
  });

  it('keeps only alerts while silent', () => {
    const task = PartitionTask.create(options);
    task.syncRules(new Map([[rule.id, rule]]));
    task.silent = true;
    task.process(records);
    const outputs = task.take();
    expect(outputs.bars).toEqual([]);
    expect(outputs.indicators).toEqual([]);
    expect(outputs.alerts.length).toBeGreaterThan(0);
  });

  it('stamps outputs with event times, never the wall clock', () => {
    const task = PartitionTask.create(options);
    task.process(records.slice(0, 2000));
    const { bars } = task.take();
    const times = new Set(records.slice(0, 2000).map((record) => JSON.parse(String(record.value)).time));
    const seconds = new Set([...times].map((time) => time - (time % 1000)));
    for (const bar of bars) expect(times.has(bar.at) || seconds.has(bar.at)).toBe(true);
  });
});

describe('checkpoint records', () => {
  it('refuse bytes that are not a checkpoint or a progress record, naming the partition', () => {
    expect(() => decodeCheckpoint(Buffer.from('nope'), 'raw/3')).toThrow(/raw\/3/);
    expect(() => decodeProgress(Buffer.from('{"version":1}'), 'raw/3')).toThrow(/raw\/3.*nextOffset/);
    const progress = { version: 1 as const, nextOffset: '42', checkpointOffset: null };
    expect(decodeProgress(encodeProgress(progress), 'raw/3')).toEqual(progress);
  });
});
