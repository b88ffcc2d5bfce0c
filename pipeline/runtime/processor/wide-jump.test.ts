import { afterEach, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../../schemas/ports/stream-log.js';
import { createEmbeddedLog } from '../log/embedded-log.js';
import { BatchInput } from './batch-input.js';
import { marketEngineCheckpoints } from './engine-checkpoints.js';
import { PartitionTask, type PartitionTaskOptions } from './partition-task.js';
import { createProcessor } from './processor.js';
import { caughtUp, jsonSerdes, testTopics, topicSpecs } from './testing/processor-test-kit.js';

const SYMBOLS = 2_000;
const MAX_FLAT = 60;
const engine = { bars: { intervals: ['1m' as const], maxFlatBars: MAX_FLAT }, indicators: ['ema(9)'] };
const options: PartitionTaskOptions = {
  source: { topic: 'nexural.trades.raw', partition: 0 },
  engine,
  checkpoints: marketEngineCheckpoints,
  duplicatesPerSymbol: 100,
};

const PUBLISHED = Date.UTC(2026, 11, 4, 15, 0);
const START = PUBLISHED - 2 * 86_400_000;
const symbolOf = (index: number) => `S${String(index).padStart(4, '0')}USDT`;

/** One trade per symbol two days ago, then one trade now: the jump fills every symbol's gap at once. */
function jumpRecords(topic: string): LogRecord[] {
  const times = [...Array.from({ length: SYMBOLS }, () => START), PUBLISHED];
  return times.map((time, offset) => {
    const symbol = symbolOf(offset % SYMBOLS);
    const trade = {
      venue: 'binance',
      symbol,
      tradeId: String(offset),
      time,
      price: '10.5',
      size: '1',
      side: 'buy',
    };
    return {
      topic,
      partition: 0,
      offset: String(offset),
      key: `binance:${symbol}`,
      value: Buffer.from(JSON.stringify(trade)),
      timestamp: PUBLISHED,
      headers: {},
    };
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a jump in event time across 2,000 symbols', () => {
  it('is caught up in steps of about 1,000 bars, with the outputs of one uncut pass, under a memory ceiling', () => {
    const records = jumpRecords(options.source.topic);
    const whole = PartitionTask.create(options);
    whole.process(records);
    const expected = whole.take();

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const task = PartitionTask.create(options);
    let steps = 0;
    const input = BatchInput.ofRecords(records);
    for (let from = 0; from < records.length; ) {
      from = task.processSome(input, from, records.length).next;
      while (task.catchUpStep()) {
        steps++;
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      }
    }
    const outputs = task.take();
    // 2,000 symbols × 60 flat bars (+ their indicator values) are emitted a step at a time
    const flat = outputs.bars.filter(({ value }) => value.final && value.trades === 0);
    expect(flat).toHaveLength(SYMBOLS * MAX_FLAT);
    expect(steps).toBeGreaterThanOrEqual(100);
    expect(outputs.bars.map(({ value }) => `${value.symbol} ${value.openTime} ${value.final}`)).toEqual(
      expected.bars.map(({ value }) => `${value.symbol} ${value.openTime} ${value.final}`),
    );
    expect(outputs.indicators).toHaveLength(expected.indicators.length);
    const heapMb = (heapPeak - heapBefore) / 1024 / 1024;
    console.log(`2,000-symbol jump: ${steps} steps, ${flat.length} flat bars, heap +${heapMb.toFixed(0)} MB`);
    expect(heapMb).toBeLessThan(256);
  });

  it('leaves the event loop free while the processor catches up, and close() stops it without committing', async () => {
    const log = createEmbeddedLog();
    cleanups.push(() => log.close());
    const topics = testTopics();
    await log.admin.createTopics(topicSpecs(topics, 1));
    const producer = await log.createProducer();
    await producer.send(
      jumpRecords(topics.trades).map(({ key, value }) => ({ topic: topics.trades, key, value })),
    );
    await producer.close();
    const groupId = 'wide-jump';
    const start = () =>
      createProcessor({
        log,
        topics,
        serdes: jsonSerdes(topics),
        fanout: null,
        config: { groupId, engine, maxFutureSkewMs: null },
      });

    let timerTicks = 0;
    const timer = setInterval(() => timerTicks++, 5);
    const first = start();
    await first.start();
    while (first.stats.catchUpSteps < 10) await new Promise((resolve) => setTimeout(resolve, 5));
    // a timer kept firing while the catch-up ran; close() (what SIGTERM calls) does not wait for the rest
    expect(timerTicks).toBeGreaterThan(0);
    await first.close();
    clearInterval(timer);
    const stepsWhenClosed = first.stats.catchUpSteps;
    expect(stepsWhenClosed).toBeLessThan(100);
    const [committed] = await log.admin.committedOffsets(groupId, topics.trades);
    expect(BigInt(committed?.offset ?? '0')).toBeLessThanOrEqual(BigInt(SYMBOLS));

    const second = start();
    await second.start();
    cleanups.push(() => second.close());
    await caughtUp(log, groupId, topics.trades, 60_000);
    expect(second.stats.catchUpSteps).toBeGreaterThanOrEqual(100);
  }, 120_000);
});
