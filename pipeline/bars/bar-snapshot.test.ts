import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isNexuralError } from '../../schemas/errors.js';
import type { TradeTick } from '../../schemas/tick.js';
import { readTradeFile } from '../readers/read-trades.js';
import { BarAggregator } from './bar-aggregator.js';
import type { BarAggregatorOptionsInput } from './bar-options.js';
import { type BarAggregatorSnapshot, barAggregatorSnapshotSchema } from './bar-snapshot.js';
import { recordingSink } from './recording-sink.js';
import { T0, tradeAt } from './test-ticks.js';

/** One input of the aggregator: a trade, or the runtime's event-time clock. */
type Step = { readonly tick: TradeTick } | { readonly clockMs: number };

const apply = (aggregator: BarAggregator, steps: readonly Step[]): void => {
  for (const step of steps) {
    if ('tick' in step) aggregator.add(step.tick);
    else aggregator.advanceWatermark(step.clockMs);
  }
};

/** What a snapshot goes through: v8 bytes, then validation at the edge. */
const roundTrip = (snapshot: BarAggregatorSnapshot): BarAggregatorSnapshot =>
  barAggregatorSnapshotSchema.parse(deserialize(serialize(snapshot)));

/** Everything emitted (bars as immutable copies, late ticks) for the steps, then flush. */
function uninterrupted(options: BarAggregatorOptionsInput, steps: readonly Step[]): string {
  const recording = recordingSink();
  const aggregator = new BarAggregator(options, recording.sink);
  apply(aggregator, steps);
  aggregator.flush();
  return JSON.stringify([recording.bars, recording.late]);
}

/** The same, stopping after `split` steps, restoring a new aggregator from a snapshot, and continuing. */
function interrupted(options: BarAggregatorOptionsInput, steps: readonly Step[], split: number): string {
  const recording = recordingSink();
  const first = new BarAggregator(options, recording.sink);
  apply(first, steps.slice(0, split));
  const second = new BarAggregator(options, recording.sink);
  second.restore(roundTrip(first.snapshot()));
  apply(second, steps.slice(split));
  second.flush();
  return JSON.stringify([recording.bars, recording.late]);
}

// Real Binance USDⓈ-M BTCUSDT trades, 23:54:16 → 23:59:59 UTC on 2024-08-08 (see ../shared/data/README.md).
const tradesFile = fileURLToPath(
  new URL(
    '../../../shared/data/binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
    import.meta.url,
  ),
);
let real: Step[] = [];
beforeAll(async () => {
  real = [];
  const options = { format: 'binance-trades', venue: 'binance-um', symbol: 'BTCUSDT' } as const;
  for await (const tick of readTradeFile(tradesFile, options)) real.push({ tick });
}, 60_000);

describe('bar aggregator snapshot on real Binance trades', () => {
  const options: BarAggregatorOptionsInput = {
    intervals: ['1s', '1m', '100t', '5v', '1000000q'],
    allowedLatenessMs: 200,
    graceMs: 1_000,
  };

  it('restored at any trade, continues with exactly the bars of an uninterrupted run', () => {
    const expected = uninterrupted(options, real);
    expect(expected.length).toBeGreaterThan(1_000_000);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: real.length }), (split) => {
        expect(interrupted(options, real, split)).toBe(expected);
      }),
      { numRuns: 4 },
    );
  }, 60_000);

  it('a snapshot of the restored aggregator equals the snapshot it was restored from', () => {
    const aggregator = new BarAggregator(options, recordingSink().sink);
    apply(aggregator, real.slice(0, 12_345));
    const snapshot = roundTrip(aggregator.snapshot());
    expect(snapshot.symbols[0]?.series.map((series) => series.kind)).toEqual([
      'time',
      'time',
      'activity',
      'activity',
      'activity',
    ]);
    const restored = new BarAggregator(options, recordingSink().sink);
    restored.restore(snapshot);
    expect(roundTrip(restored.snapshot())).toEqual(snapshot);
  });

  it('refuses a snapshot taken with other options', () => {
    const aggregator = new BarAggregator(options, recordingSink().sink);
    apply(aggregator, real.slice(0, 100));
    const other = new BarAggregator({ ...options, graceMs: 0 }, recordingSink().sink);
    try {
      other.restore(aggregator.snapshot());
      expect.unreachable('restored across options');
    } catch (error) {
      expect(isNexuralError(error) && error.code).toBe('NXR_CONFIG_INVALID');
    }
  });
});

// Hand-made streams: two symbols on two venues, prices and sizes whose decimals grow mid-stream (rescaling
// open bars), times that jump back (late and out-of-order ticks), quiet gaps (flat bars), an external clock.
const price = fc.constantFrom(100, 100.5, 99.75, 101.125, 98, 100.0625);
const size = fc.constantFrom(1, 2, 0.5, 0.25, 3, 0.001);
const step: fc.Arbitrary<{ dt: number; step: Step }> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.integer({ min: -4_000, max: 2_500 }),
        price,
        size,
        fc.constantFrom('buy', 'sell'),
        fc.constantFrom('BTCUSDT', 'ETHUSDT'),
        fc.constantFrom('binance', 'bybit'),
      )
      .map(([dt, p, s, aggressor, symbol, venue]) => ({
        dt,
        step: { tick: tradeAt(0, p, s, { aggressor, symbol, venue }) },
      })),
  },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 12_000 }).map((dt) => ({ dt, step: { clockMs: 0 } })) },
);
/** Steps with times from a walk that mostly moves forward, sometimes back. */
const stream = fc.array(step, { minLength: 1, maxLength: 120 }).map((items) => {
  let time = 0;
  return items.map(({ dt, step }): Step => {
    time = Math.max(0, time + dt);
    return 'tick' in step ? { tick: { ...step.tick, timeUs: (T0 + time) * 1000 } } : { clockMs: T0 + time };
  });
});
const handOptions: fc.Arbitrary<BarAggregatorOptionsInput> = fc.record({
  intervals: fc.constant(['1s', '5s', '3t', '2v', '300q']),
  allowedLatenessMs: fc.constantFrom(0, 1_500),
  graceMs: fc.constantFrom(0, 3_000),
  firstBar: fc.constantFrom('skip', 'keep'),
  emptyIntervals: fc.constantFrom('flat', 'skip'),
  liveUpdates: fc.boolean(),
});

describe('bar aggregator snapshot on hand-made streams', () => {
  it('restored at every step, continues exactly like an uninterrupted run (late ticks, flat and activity bars)', () => {
    fc.assert(
      fc.property(handOptions, stream, (options, steps) => {
        const expected = uninterrupted(options, steps);
        for (let split = 0; split <= steps.length; split++) {
          expect(interrupted(options, steps, split)).toBe(expected);
        }
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it('the hand-made streams do produce late ticks, revisions, flat bars and rescaled sums', () => {
    const seen = { late: 0, revisedFinal: 0, flat: 0, fractionalVolume: 0 };
    fc.assert(
      fc.property(handOptions, stream, (options, steps) => {
        const recording = recordingSink();
        const aggregator = new BarAggregator(options, recording.sink);
        apply(aggregator, steps);
        aggregator.flush();
        seen.late += recording.late.length;
        const finals = new Set<string>();
        for (const bar of recording.bars) {
          const key = `${bar.venue}:${bar.symbol}:${bar.interval}:${bar.openTime}`;
          if (bar.final && finals.has(key)) seen.revisedFinal++;
          if (bar.final) finals.add(key);
          if (bar.final && bar.trades === 0) seen.flat++;
          if (bar.volume % 1 !== 0) seen.fractionalVolume++;
        }
      }),
      { numRuns: 100, seed: 7 },
    );
    expect(seen.late).toBeGreaterThan(0);
    expect(seen.revisedFinal).toBeGreaterThan(0);
    expect(seen.flat).toBeGreaterThan(0);
    expect(seen.fractionalVolume).toBeGreaterThan(0);
  });
});
