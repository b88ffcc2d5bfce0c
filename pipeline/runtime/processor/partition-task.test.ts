import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../../schemas/ports/stream-log.js';
import { marketEngineCheckpoints } from './engine-checkpoints.js';
import type { BatchOutputs } from './output-collector.js';
import {
  decodeCheckpoint,
  decodeProgress,
  encodeCheckpoint,
  encodeProgress,
} from './partition-checkpoint.js';
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

const image = (outputs: BatchOutputs) => JSON.stringify(outputs);

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

  it('continues from a v8 round trip of its checkpoint exactly as the original continues', () => {
    const original = PartitionTask.create(options);
    original.syncRules(new Map([[rule.id, rule]]));
    original.process(records.slice(0, 2500));
    original.take();
    const checkpoint = original.checkpoint('2500');
    if (checkpoint === null) throw new Error('MarketEngine snapshots are expected');
    const restored = PartitionTask.restore(options, decodeCheckpoint(encodeCheckpoint(checkpoint), 'test'));
    original.process(records.slice(2500));
    restored.process(records.slice(2500));
    expect(image(restored.take())).toBe(image(original.take()));
    expect(checkpoint.ruleIds).toEqual([rule.id]);
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
