import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../../schemas/ports/stream-log.js';
import { marketEngineCheckpoints } from './engine-checkpoints.js';
import { PartitionTask, type PartitionTaskOptions } from './partition-task.js';

const options: PartitionTaskOptions = {
  source: { topic: 'nexural.trades.raw', partition: 0 },
  engine: { bars: { intervals: ['1m', '1h'], maxFlatBars: 10 }, indicators: ['ema(9)'] },
  checkpoints: marketEngineCheckpoints,
  duplicatesPerSymbol: 1000,
  maxFutureSkewMs: 300_000,
};

const PUBLISHED = Date.UTC(2026, 11, 4, 15, 0); // the log time of every record below
const DAY = 86_400_000;
let offset = 0;

/** A raw trade record as the publishers write it; `time` is the trade's event time (ms). */
function record(time: number, symbol = 'BTCUSDT', logTime = PUBLISHED): LogRecord {
  const id = offset++;
  const trade = {
    venue: 'binance',
    symbol,
    tradeId: String(id),
    time,
    price: '100.5',
    size: '1',
    side: 'buy',
  };
  return {
    topic: options.source.topic,
    partition: 0,
    offset: String(id),
    key: `binance:${symbol}`,
    value: Buffer.from(JSON.stringify(trade)),
    timestamp: logTime,
    headers: {},
  };
}

describe('PartitionTask and jumps in event time', () => {
  it('dead-letters a trade more than maxFutureSkewMs ahead of its log time as NXR_FUTURE_TICK', () => {
    const task = PartitionTask.create(options);
    const future = record(Date.UTC(2199, 0, 1));
    const counts = task.process([record(PUBLISHED - 2000), future, record(PUBLISHED + 299_000)]);
    expect(counts).toEqual({ ticks: 2, refused: 1 });
    const { bars, deadLetters } = task.take();
    expect(deadLetters.map(({ value }) => [value.code, value.path, value.source?.offset])).toEqual([
      ['NXR_FUTURE_TICK', ['time'], future.offset],
    ]);
    expect(deadLetters[0]?.value.reason).toMatch(
      /^trade time 2199-01-01T00:00:00.000Z is \d+ ms ahead of the record's log time 2026-12-04T15:00:00.000Z \(at most 300000 ms allowed/,
    );
    expect(deadLetters[0]?.value.failedAt).toBe(PUBLISHED);
    // the refused trade moved no clock: the bars end where the accepted trades are
    expect(Math.max(...bars.map(({ value }) => value.openTime))).toBeLessThan(PUBLISHED + 300_000);
    expect(task.newestEventMs).toBe(PUBLISHED + 299_000);
  });

  it('judges a replay by the log time its records kept, whenever it runs, and history as history', () => {
    const task = PartitionTask.create(options);
    const copied = [record(Date.UTC(2024, 7, 8), 'ETHUSDT', Date.UTC(2024, 7, 8, 0, 0, 1))];
    const republished = [record(Date.UTC(2019, 0, 1), 'XRPUSDT')];
    const wrong = record(Date.UTC(2024, 7, 9), 'ETHUSDT', Date.UTC(2024, 7, 8, 0, 0, 2));
    expect(task.process([...copied, ...republished, wrong])).toEqual({ ticks: 2, refused: 1 });
    expect(task.take().deadLetters.map(({ value }) => value.code)).toEqual(['NXR_FUTURE_TICK']);
  });

  it('bounds a 180-day jump of 4 symbols: maxFlatBars per series, then bars marked jumpedFrom', () => {
    const task = PartitionTask.create(options);
    const start = PUBLISHED - 180 * DAY;
    const symbols = ['AAAUSDT', 'BBBUSDT', 'CCCUSDT', 'DDDUSDT'];
    task.process(symbols.map((symbol) => record(start, symbol)));
    task.process(symbols.map((symbol) => record(PUBLISHED, symbol)));
    const { bars, indicators } = task.take();
    const finals = bars.filter(({ value }) => value.final).map(({ value }) => value);
    // per symbol and interval: the first bar (skipped: partial), 10 flat bars, then the jump's bar, forming
    expect(finals.filter((bar) => bar.trades === 0)).toHaveLength(4 * 2 * 10);
    const jumped = bars.filter(({ value }) => value.jumpedFrom !== undefined).map(({ value }) => value);
    expect(new Set(jumped.map((bar) => `${bar.symbol} ${bar.interval} ${bar.jumpedFrom}`))).toEqual(
      new Set(
        symbols.flatMap((symbol) => [
          `${symbol} 1m ${start + 10 * 60_000}`,
          `${symbol} 1h ${start - (start % 3_600_000) + 10 * 3_600_000}`,
        ]),
      ),
    );
    expect(bars.length).toBeLessThan(200);
    expect(indicators.length).toBeLessThan(100);
  });
});
