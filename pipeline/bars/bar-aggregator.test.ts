import { describe, expect, it } from 'vitest';
import { barSchema } from '../../schemas/bar.js';
import { NexuralError } from '../../schemas/errors.js';
import type { TradeTick } from '../../schemas/tick.js';
import { BarAggregator } from './bar-aggregator.js';
import type { BarAggregatorOptionsInput } from './bar-options.js';
import type { BarDecimals } from './bar-state.js';
import { recordingSink } from './recording-sink.js';
import { T0, tradeAt } from './test-ticks.js';

function run(options: BarAggregatorOptionsInput, ticks: readonly TradeTick[]) {
  const recording = recordingSink();
  const decimals: BarDecimals[] = [];
  const aggregator = new BarAggregator(options, {
    bar: (bar) => {
      recording.sink.bar(bar);
      decimals.push(bar.toDecimals());
    },
    late: recording.sink.late,
  });
  for (const tick of ticks) aggregator.add(tick);
  aggregator.flush();
  return { ...recording, decimals };
}

/** A reproducible shuffled stream: a linear congruential generator, not Math.random. */
function scrambledTicks(count: number): TradeTick[] {
  let seed = 42;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, (_, i) =>
    tradeAt(
      i * 700 - Math.floor(next() * 4000),
      100 + Math.round(next() * 100) / 100,
      Math.round(next() * 1000) / 1000,
      {
        symbol: next() < 0.5 ? 'BTCUSDT' : 'ETHUSDT',
        aggressor: next() < 0.5 ? 'buy' : 'sell',
      },
    ),
  );
}

describe('BarAggregator', () => {
  it('gives the same output sequence for the same input', () => {
    const options = { intervals: ['1s', '1m', '7t'], allowedLatenessMs: 2000, graceMs: 1000 };
    const first = run(options, scrambledTicks(2000));
    const second = run(options, scrambledTicks(2000));
    expect(first.bars.length).toBeGreaterThan(2000);
    expect(second.bars).toEqual(first.bars);
    expect(second.late).toEqual(first.late);
  });

  it('emits bars that satisfy the bar schema', () => {
    const { bars } = run(
      { intervals: ['1s', '1m', '5t', '2v', '300q'], allowedLatenessMs: 2000 },
      scrambledTicks(500),
    );
    for (const bar of bars) expect(barSchema.safeParse(bar).success).toBe(true);
  });

  it('sums sizes and values exactly: three 0.1 lots are 0.3, not 0.30000000000000004', () => {
    const { finals, decimals } = run({ intervals: ['1m'], firstBar: 'keep', liveUpdates: false }, [
      tradeAt(1, 0.1, 0.1),
      tradeAt(2, 0.1, 0.1, { aggressor: 'sell' }),
      tradeAt(3, 0.1, 0.1),
    ]);
    expect(0.1 + 0.1 + 0.1).toBe(0.30000000000000004);
    expect(finals()[0]).toMatchObject({ volume: 0.3, quoteVolume: 0.03, takerBuyVolume: 0.2 });
    expect(decimals[0]).toMatchObject({ volume: '0.3', quoteVolume: '0.03', takerBuyVolume: '0.2' });
  });

  it('moves open bars to a finer unit when a value with more decimals arrives', () => {
    const { decimals } = run({ intervals: ['1m'], firstBar: 'keep', liveUpdates: false }, [
      tradeAt(1, 61800, 2),
      tradeAt(2, 61800.3, 0.001),
      tradeAt(3, 0.00000012, 1000),
    ]);
    expect(decimals[0]).toEqual({
      open: '61800',
      high: '61800.3',
      low: '0.00000012',
      close: '0.00000012',
      volume: '1002.001',
      quoteVolume: '123661.80042', // 123600 + 61.8003 + 0.00012
      takerBuyVolume: '1002.001',
    });
  });

  it('prints values off any decimal grid at 12 decimals', () => {
    const { decimals } = run({ intervals: ['1m'], firstBar: 'keep', liveUpdates: false }, [
      tradeAt(1, 1 / 3, 1),
    ]);
    expect(decimals[0]?.close).toBe('0.333333333333');
  });

  it('builds a bar before the first one under firstBar "keep", with flat bars up to it', () => {
    const { bars } = run(
      { intervals: ['1m'], firstBar: 'keep', allowedLatenessMs: 3 * 60_000, liveUpdates: false },
      [tradeAt(2 * 60_000 + 5000, 2), tradeAt(10_000, 1)],
    );
    expect(bars.map((bar) => [bar.openTime - T0, bar.close, bar.trades])).toEqual([
      [0, 1, 1],
      [60_000, 1, 0],
      [120_000, 2, 1],
    ]);
  });

  it('refuses bad options with NXR_CONFIG_INVALID naming the path', () => {
    const sink = recordingSink().sink;
    expect(() => new BarAggregator({ intervals: ['1m', '2w'] }, sink)).toThrowError(
      expect.objectContaining({
        code: 'NXR_CONFIG_INVALID',
        message: expect.stringContaining('intervals.1'),
      }),
    );
    expect(() => new BarAggregator({ intervals: ['1m', '1m'] }, sink)).toThrow(NexuralError);
    expect(() => new BarAggregator({ intervals: ['1m'], graceMs: -1 }, sink)).toThrow(/graceMs/);
  });

  it('refuses ticks after flush: the input has ended', () => {
    const aggregator = new BarAggregator({ intervals: ['1m'] }, recordingSink().sink);
    aggregator.flush();
    expect(() => aggregator.add(tradeAt(1, 1))).toThrow(/after flush/);
  });
});
