import { deserialize, serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barSchema } from '../../schemas/bar.js';
import type { TradeTick } from '../../schemas/tick.js';
import { MarketEngine } from '../engine/market-engine.js';
import { BarAggregator } from './bar-aggregator.js';
import type { BarAggregatorOptionsInput } from './bar-options.js';
import { barAggregatorSnapshotSchema } from './bar-snapshot.js';
import { recordingSink } from './recording-sink.js';
import { T0, tradeAt } from './test-ticks.js';

const M = 60_000;
const DAY = 86_400_000;

function run(options: Partial<BarAggregatorOptionsInput>, steps: readonly (TradeTick | number)[]) {
  const recording = recordingSink();
  const aggregator = new BarAggregator({ intervals: ['1m'], firstBar: 'keep', ...options }, recording.sink);
  for (const step of steps) {
    if (typeof step === 'number') aggregator.advanceWatermark(step);
    else aggregator.add(step);
  }
  aggregator.flush();
  return recording;
}

describe('time jumps in event time', () => {
  it('fill a 180-day jump with maxFlatBars flat bars, then one bar marked jumpedFrom', () => {
    const { finals } = run({ maxFlatBars: 3 }, [tradeAt(0, 100), tradeAt(180 * DAY, 105)]);
    const bars = finals();
    expect(bars.map((bar) => [bar.openTime - T0, bar.trades, bar.close, bar.jumpedFrom])).toEqual([
      [0, 1, 100, undefined],
      [M, 0, 100, undefined],
      [2 * M, 0, 100, undefined],
      [3 * M, 0, 100, undefined],
      [180 * DAY, 1, 105, T0 + 3 * M],
    ]);
    for (const bar of bars) expect(barSchema.safeParse(bar).success).toBe(true);
  });

  it('mark no jump when the gap fits under the cap (Binance klines: every empty minute is a flat bar)', () => {
    const { finals } = run({ maxFlatBars: 3 }, [tradeAt(0, 100), tradeAt(4 * M, 101)]);
    expect(finals().map((bar) => [bar.openTime - T0, bar.trades, bar.jumpedFrom])).toEqual([
      [0, 1, undefined],
      [M, 0, undefined],
      [2 * M, 0, undefined],
      [3 * M, 0, undefined],
      [4 * M, 1, undefined],
    ]);
  });

  it('emit the same bars whether the clock jumps at once or a minute at a time', () => {
    const steps = Array.from({ length: 30 }, (_, minute) => T0 + minute * M + 1);
    const stepped = run({ maxFlatBars: 5 }, [tradeAt(0, 100), ...steps, tradeAt(40 * M, 99)]);
    const jumped = run({ maxFlatBars: 5 }, [tradeAt(0, 100), T0 + 30 * M, tradeAt(40 * M, 99)]);
    expect(jumped.bars).toEqual(stepped.bars);
    expect(jumped.finals().at(-1)?.jumpedFrom).toBe(T0 + 5 * M);
  });

  it('cap a quiet symbol moved on by the clock at maxFlatBars, and mark its next bar', () => {
    const { finals } = run({ maxFlatBars: 2 }, [tradeAt(0, 100), T0 + 365 * DAY, tradeAt(366 * DAY, 7)]);
    expect(finals().map((bar) => [bar.openTime - T0, bar.trades, bar.jumpedFrom])).toEqual([
      [0, 1, undefined],
      [M, 0, undefined],
      [2 * M, 0, undefined],
      [366 * DAY, 1, T0 + 2 * M],
    ]);
  });

  it('dead-letter a tick far behind the watermark once per interval and change nothing (a past jump)', () => {
    const { finals, late } = run({ intervals: ['1m', '1h'] }, [
      tradeAt(DAY, 100),
      tradeAt(2 * DAY, 101),
      tradeAt(-300 * DAY, 1),
    ]);
    expect(late.map((tick) => [tick.code, tick.interval])).toEqual([
      ['NXR_LATE_TICK', '1m'],
      ['NXR_LATE_TICK', '1h'],
    ]);
    expect(finals().filter((bar) => bar.trades > 0)).toHaveLength(4);
  });

  it('keep the jump state through a snapshot: the restored run emits what the uninterrupted one does', () => {
    const options: BarAggregatorOptionsInput = {
      intervals: ['1m'],
      firstBar: 'keep',
      maxFlatBars: 3,
      graceMs: 5 * M,
    };
    const steps = [tradeAt(0, 100), T0 + 2 * M + 1, T0 + 90 * DAY, tradeAt(91 * DAY, 5)];
    const whole = run(options, steps);
    const recording = recordingSink();
    const first = new BarAggregator(options, recording.sink);
    for (const step of steps.slice(0, 3)) {
      if (typeof step === 'number') first.advanceWatermark(step);
      else first.add(step);
    }
    const snapshot = barAggregatorSnapshotSchema.parse(deserialize(serialize(first.snapshot())));
    const second = new BarAggregator(options, recording.sink);
    second.restore(snapshot);
    second.add(steps[3] as TradeTick);
    second.flush();
    expect(recording.bars).toEqual(whole.bars);
    expect(whole.finals().at(-1)?.jumpedFrom).toBe(T0 + 3 * M);
  });

  it('bound what random jumps in both directions emit and hold (fuzz: counts under the cap, heap flat)', () => {
    const maxFlatBars = 50;
    const intervals = ['1s', '1m', '1h', '100t'] as const;
    const jump = fc.oneof(
      fc.integer({ min: -2 * DAY, max: 2 * DAY }),
      fc.integer({ min: -3650 * DAY, max: 3650 * DAY }),
      fc.integer({ min: 0, max: 5_000 }),
    );
    const step = fc.record({
      jumpMs: jump,
      symbol: fc.constantFrom('AAAUSDT', 'BBBUSDT', 'CCCUSDT'),
      clock: fc.boolean(),
      price: fc.integer({ min: 1, max: 1000 }),
    });
    const heapBefore = process.memoryUsage().heapUsed;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.boolean(), (steps, flush) => {
        let emitted = 0;
        let maxRevision = 0;
        const engine = new MarketEngine(
          {
            bars: { intervals: [...intervals], allowedLatenessMs: 2000, graceMs: 60_000, maxFlatBars },
            indicators: ['ema(5)', 'rsi(3)'],
          },
          {
            bar: (bar) => {
              emitted++;
              maxRevision = Math.max(maxRevision, bar.revision);
            },
            indicator: () => emitted++,
            alert: () => undefined,
            late: () => emitted++,
          },
        );
        let time = 100 * 365 * DAY; // around 2070: room both ways inside the schema's 1990–2200
        for (const { jumpMs, symbol, clock, price } of steps) {
          time = Math.min(Date.UTC(2199, 0), Math.max(Date.UTC(1991, 0), time + jumpMs));
          if (clock) engine.advanceWatermark(time);
          else engine.add(tradeAt(time - T0, price, 1, { symbol }));
        }
        if (flush) engine.flush();
        // per step and series: its own bar (+ finalisation), the flat bars of one gap and the revisions of
        // those a late tick's close carries forward; bars and indicator outputs (2 each) and late ticks.
        const perSeries = 2 * maxFlatBars + 4;
        const bound = (steps.length + 1) * 3 * intervals.length * perSeries * 3;
        expect(emitted).toBeLessThanOrEqual(bound);
        expect(maxRevision).toBeLessThanOrEqual(2 * steps.length + 2);
      }),
      { seed: 11, numRuns: 150 },
    );
    // years apart at 1s without the cap would be ~10^8 bars per jump; with it the engines above held little
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });
});
