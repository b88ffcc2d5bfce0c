import { describe, expect, it, vi } from 'vitest';
import type { LogRecord } from '../../../schemas/ports/stream-log.js';
import { canonicalNumber } from '../dlq/duplicate-window.js';
import { BatchInput } from './batch-input.js';
import { marketEngineCheckpoints } from './engine-checkpoints.js';
import type { BatchOutputs } from './output-collector.js';
import { PartitionTask, type PartitionTaskOptions } from './partition-task.js';
import { TicksAhead } from './ticks-ahead.js';

const TOPIC = 'nexural.trades.raw';
const START = Date.UTC(2026, 11, 4, 12, 0);
const SYMBOLS = 40;
const symbolOf = (index: number) => `S${String(index).padStart(2, '0')}USDT`;

interface Trade {
  readonly symbol: string;
  readonly tradeId: string;
  readonly time: number;
  readonly price: string;
}

const recordsOf = (trades: readonly Trade[], firstOffset = 0): LogRecord[] =>
  trades.map((trade, index) => ({
    topic: TOPIC,
    partition: 0,
    offset: String(firstOffset + index),
    key: `binance:${trade.symbol}`,
    value: Buffer.from(
      JSON.stringify({ venue: 'binance', ...trade, size: '1', side: index % 2 === 0 ? 'buy' : 'sell' }),
    ),
    timestamp: trade.time,
    headers: {},
  }));

/**
 * One trade per symbol, then one an hour later: 40 symbols × 60 flat bars to finalise, a catch-up of several
 * steps at record 40. Then `after` trades of each symbol, in the same run of 256 records scanned ahead.
 */
function jumpTrades(after: number, price = '10.5', idBase = 0): Trade[] {
  const trades: Trade[] = [];
  for (let index = 0; index < SYMBOLS; index++) {
    trades.push({ symbol: symbolOf(index), tradeId: String(idBase + index), time: START, price });
  }
  const jumped = START + 3_600_000;
  trades.push({ symbol: symbolOf(0), tradeId: String(idBase + SYMBOLS), time: jumped, price });
  for (let index = 0; index < after; index++) {
    trades.push({
      symbol: symbolOf(index % SYMBOLS),
      tradeId: String(idBase + SYMBOLS + 1 + index),
      time: jumped + 1 + index,
      price,
    });
  }
  return trades;
}

const options: PartitionTaskOptions = {
  source: { topic: TOPIC, partition: 0 },
  engine: { bars: { intervals: ['1m'], maxFlatBars: 60 }, indicators: ['ema(9)'] },
  checkpoints: marketEngineCheckpoints,
  duplicatesPerSymbol: 100,
};

/** The records one at a time, each its own input: every record scanned in turn, none ahead. */
function oneByOne(records: readonly LogRecord[]): BatchOutputs {
  const task = PartitionTask.create(options);
  for (const record of records) task.process([record]);
  return task.take();
}

/** `processSome` over `input` from `from` to its end, catch-ups finished in between; the calls' `next`s. */
function drive(task: PartitionTask, input: BatchInput, from: number): number[] {
  const stops: number[] = [];
  for (let at = from; at < input.length; ) {
    at = task.processSome(input, at, input.length).next;
    stops.push(at);
    while (task.catchUpStep()) {}
  }
  return stops;
}

describe('TicksAhead', () => {
  it('scans at most 256 records at a time and a call starting inside them scans none again', () => {
    const input = BatchInput.ofRecords(recordsOf(jumpTrades(400)));
    const fastTick = vi.spyOn(input, 'fastTick');
    const ahead = new TicksAhead();
    expect(ahead.scan(input, 0, input.length)).toBe(256);
    expect(fastTick).toHaveBeenCalledTimes(256);
    expect(ahead.scan(input, 41, input.length)).toBe(256);
    expect(ahead.scan(input, 41, 100)).toBe(100);
    expect(fastTick).toHaveBeenCalledTimes(256);
    expect(ahead.tick(41)?.tradeId).toBe('41');
    expect(ahead.tradeIdNumber(41)).toBe(41);
    // past the run, or the same records as another input: scanned again
    expect(ahead.scan(input, 256, input.length)).toBe(input.length);
    expect(fastTick).toHaveBeenCalledTimes(input.length);
    const again = BatchInput.ofRecords(recordsOf(jumpTrades(400)));
    expect(ahead.scan(again, 300, input.length)).toBe(input.length);
    expect(ahead.tick(300)?.tradeId).toBe('300');
  });

  it("gives a trade id's number where the scanner read it, none for a record JSON.parse reads", () => {
    const records = recordsOf(jumpTrades(2));
    const spaced = { ...(records[1] as LogRecord), value: Buffer.from(` ${String(records[1]?.value)}`) };
    const nonCanonical = recordsOf([{ symbol: 'S00USDT', tradeId: '007', time: START, price: '1' }]);
    const input = BatchInput.ofRecords([records[0] as LogRecord, spaced, ...nonCanonical]);
    const ahead = new TicksAhead();
    expect(ahead.scan(input, 0, input.length)).toBe(3);
    expect(ahead.tradeIdNumber(0)).toBe(0);
    expect(ahead.tick(1)?.tradeId).toBe('1');
    expect(ahead.tradeIdNumber(1)).toBeUndefined();
    expect(ahead.tradeIdNumber(2)).toBe(canonicalNumber('007'));
    expect(ahead.tradeIdNumber(2)).toBe(-1);
  });
});

describe('PartitionTask with records scanned ahead', () => {
  it('keeps the rest of a run a watermark catch-up stops in the middle of, with the outputs of records one at a time', () => {
    const records = recordsOf(jumpTrades(120));
    const expected = oneByOne(records);
    const task = PartitionTask.create(options);
    const input = BatchInput.ofRecords(records);
    const fastTick = vi.spyOn(input, 'fastTick');
    const stops = drive(task, input, 0);
    // the jump's record is the 41st: the first call stops after it, in the middle of the first run of 256
    expect(stops).toEqual([SYMBOLS + 1, records.length]);
    expect(fastTick).toHaveBeenCalledTimes(records.length);
    const outputs = task.take();
    const flat = outputs.bars.filter(({ value }) => value.final && value.trades === 0);
    expect(flat.length).toBeGreaterThan(2000);
    expect(outputs).toEqual(expected);
  });

  it('reads another input given after a stop, not the rest scanned ahead of the first', () => {
    const first = recordsOf(jumpTrades(120));
    const other = recordsOf(jumpTrades(120, '11.25', 10_000));
    const task = PartitionTask.create(options);
    expect(task.processSome(BatchInput.ofRecords(first), 0, first.length).next).toBe(SYMBOLS + 1);
    while (task.catchUpStep()) {}
    drive(task, BatchInput.ofRecords(other), SYMBOLS + 1);
    const expected = oneByOne([...first.slice(0, SYMBOLS + 1), ...other.slice(SYMBOLS + 1)]);
    const outputs = task.take();
    expect(outputs.bars.some(({ value }) => value.close === 11.25)).toBe(true);
    expect(outputs).toEqual(expected);
  });
});
