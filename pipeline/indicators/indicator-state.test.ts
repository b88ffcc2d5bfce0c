import { deserialize, serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNexuralError } from '../../schemas/errors.js';
import type { BarInput, Indicator, IndicatorResult } from './indicator.js';
import { captureState, type IndicatorState, restoreState } from './indicator-state.js';
import { createIndicator, indicatorNames } from './registry.js';
import { readRealBars } from './testing/real-bars.js';

// Real Binance.US BTCUSDT minutes from 2023-03-01 (see ../shared/data/README.md), and short-window specs that
// are warm within them, so a split lands on every phase: cold, seeding, warm.
const bars = readRealBars('binanceus/binanceus_BTCUSDT_1m_20230301_20230321.csv', 0, 120);
const specs = [
  ...indicatorNames,
  'sma(3)',
  'macd(3,5,2)',
  'stochrsi(3,2,2)',
  'adx(3)',
  'mfi(3)',
  'vwap(1h)',
  'vwap(0)',
  'keltner(3,1.5,2)',
];

/** A forming version of a bar: what a live update before the bar's last trade looks like. */
const forming = (bar: BarInput, step: number): BarInput => ({
  ...bar,
  high: Math.max(bar.open, bar.close - step),
  low: Math.min(bar.open, bar.close - step),
  close: bar.close - step,
  volume: bar.volume / (step + 2),
});

interface Update {
  readonly replace: boolean;
  readonly bar: BarInput;
}

/** Each bar as the engine feeds it: `add` of a forming version, `replaces[i]` more, then the final bar. */
const updatesOf = (replaces: readonly number[]): Update[] =>
  bars.flatMap((bar, i) => {
    const count = replaces[i % replaces.length] ?? 0;
    return Array.from({ length: count + 1 }, (_, step) => ({
      replace: step > 0,
      bar: step < count ? forming(bar, count - step) : bar,
    }));
  });

const apply = (indicator: Indicator, updates: readonly Update[]): (IndicatorResult | null)[] =>
  updates.map(({ replace, bar }) => (replace ? indicator.replace(bar) : indicator.add(bar)));

/** What a snapshot goes through: v8 serialization to bytes and back. */
const roundTrip = (state: IndicatorState): IndicatorState => deserialize(serialize(state)) as IndicatorState;

describe('indicator state capture and restore', () => {
  it('covers every registered indicator', () => {
    expect(new Set(specs.map((spec) => spec.replace(/\(.*/, '')))).toEqual(new Set(indicatorNames));
  });

  it.each(specs)(
    '%s restored at any update, mid-bar too, continues exactly like the uninterrupted one',
    (spec) => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (replaces, at) => {
            const updates = updatesOf(replaces);
            const split = Math.floor(at * updates.length);
            const expected = apply(createIndicator(spec), updates);
            const first = createIndicator(spec);
            apply(first, updates.slice(0, split));
            const restored = restoreState(createIndicator(spec), roundTrip(captureState(first)));
            expect(restored.result).toEqual(first.result);
            expect(apply(restored, updates.slice(split))).toEqual(expected.slice(split));
          },
        ),
        { numRuns: 25 },
      );
    },
  );

  it.each(specs)('%s capture is a copy: later updates of the original do not leak into it', (spec) => {
    const updates = updatesOf([1, 0, 2]);
    const original = createIndicator(spec);
    apply(original, updates.slice(0, 150));
    const state = captureState(original);
    const reference = createIndicator(spec);
    apply(reference, updates.slice(0, 150));
    apply(original, updates.slice(150, 200));
    const restored = restoreState(createIndicator(spec), state);
    expect(apply(restored, updates.slice(150))).toEqual(apply(reference, updates.slice(150)));
  });

  it('keeps the fresh instance objects: windows are copied into its typed arrays, constants keep identity', () => {
    const fresh = createIndicator('bbands(5,2)');
    const outputs = fresh.outputs;
    const original = createIndicator('bbands(5,2)');
    apply(original, updatesOf([1]).slice(0, 20));
    const restored = restoreState(fresh, captureState(original));
    expect(restored).toBe(fresh);
    expect(restored.outputs).toBe(outputs);
    expect(restored.result).toEqual(original.result);
  });

  it('rejects a state of another window length or another indicator, naming the field', () => {
    const attempt = (from: string, into: string) => {
      try {
        restoreState(createIndicator(into), captureState(createIndicator(from)));
      } catch (error) {
        if (isNexuralError(error))
          return { code: error.code, message: error.message, details: error.details };
        throw error;
      }
      throw new Error(`restored ${from} into ${into}`);
    };
    expect(attempt('sma(20)', 'sma(10)')).toEqual({
      code: 'NXR_SCHEMA_INVALID',
      message: 'indicator state does not fit: sma.window holds 10 numbers, the state 20 numbers',
      details: { path: ['sma', 'window'] },
    });
    expect(attempt('ema(10)', 'sma(10)').message).toBe(
      'indicator state does not fit: the state of the indicator lacks sma and has unknown ema',
    );
  });
});
