import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATR, BBANDS, EMA, indicatorKind, MACD, RSI, SMA } from './dispatch.js';
import type { BarInput, Indicator, IndicatorResult } from './indicator.js';
import {
  captureBlock,
  feedBlock,
  feedBlockInPlace,
  freshBlock,
  isBlockKind,
  loadBlock,
  outputSlot,
} from './indicator-block.js';
import { captureState } from './indicator-state.js';
import { createIndicator } from './registry.js';
import { readRealBars } from './testing/real-bars.js';

// Real Binance.US BTCUSDT minutes (see ../shared/data/README.md); short windows so each phase is met: cold,
// seeding, warm; plus the engine's configured specs.
const bars = readRealBars('binanceus/binanceus_BTCUSDT_1m_20230301_20230321.csv', 0, 160);
const specs = [
  'sma(20)',
  'ema(20)',
  'rsi(14)',
  'macd(12,26,9)',
  'bbands(20,2)',
  'atr(14)',
  'sma(3)',
  'ema(2)',
  'rsi(2)',
  'macd(3,5,2)',
  'bbands(5,1.5)',
  'atr(1)',
  'atr(3)',
];

const forming = (bar: BarInput, step: number): BarInput => ({
  ...bar,
  high: Math.max(bar.open, bar.close - step),
  low: Math.min(bar.open, bar.close - step),
  close: bar.close - step,
  volume: bar.volume / (step + 2),
});

/** Each bar as the engine feeds it: `add` of a forming version, `replaces[i]` more, then the final bar. */
const updatesOf = (replaces: readonly number[]) =>
  bars.flatMap((bar, i) => {
    const count = replaces[i % replaces.length] ?? 0;
    return Array.from({ length: count + 1 }, (_, step) => ({
      replace: step > 0,
      bar: step < count ? forming(bar, count - step) : bar,
    }));
  });

/** A block with the indicator at an offset, other numbers around it: it must touch only its own. */
const blockOf = (spec: string, at: number) => {
  const kind = indicatorKind(createIndicator(spec));
  const fresh = freshBlock(spec)?.numbers ?? new Float64Array(0);
  const block = new Float64Array(at + fresh.length + 7).fill(-3.5);
  block.set(fresh, at);
  return { kind, block };
};

/** Every field's path in order: a snapshot's canonical JSON lists them so. */
const fieldsOf = (state: unknown, path = ''): string[] =>
  typeof state === 'object' && state !== null && !(state instanceof Float64Array)
    ? Object.entries(state).flatMap(([key, value]) => [
        `${path}.${key}`,
        ...fieldsOf(value, `${path}.${key}`),
      ])
    : [];

/** The state a snapshot holds of the block equals the class's: the same fields in the same order, equal values. */
const expectSameState = (
  kind: number,
  spec: string,
  block: Float64Array,
  at: number,
  indicator: Indicator,
) => {
  const state = captureBlock(kind, spec, block, at);
  const expected = captureState(indicator);
  expect(state).toEqual(expected);
  expect(fieldsOf(state)).toEqual(fieldsOf(expected));
};

describe('indicators in a block', () => {
  it.each(specs)('%s is a block kind', (spec) => {
    expect(isBlockKind(indicatorKind(createIndicator(spec)))).toBe(true);
  });

  it.each(specs)('%s gives the class results and its captured state at every update', (spec) => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }), (replaces) => {
        const at = 5;
        const { kind, block } = blockOf(spec, at);
        const indicator = createIndicator(spec);
        for (const [index, { replace, bar }] of updatesOf(replaces).entries()) {
          const expected: IndicatorResult | null = replace ? indicator.replace(bar) : indicator.add(bar);
          expect(feedBlock(kind, block, at, bar, replace)).toEqual(expected);
          if (index % 5 === 0) expectSameState(kind, spec, block, at, indicator);
        }
        expect([...block.subarray(0, at)]).toEqual(new Array(at).fill(-3.5));
        expect([...block.subarray(block.length - 7)]).toEqual(new Array(7).fill(-3.5));
      }),
      { numRuns: 5 },
    );
  });

  it.each(specs)('%s loaded from a captured state at any update continues like the class', (spec) => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (replaces, where) => {
          const updates = updatesOf(replaces);
          const split = Math.floor(where * updates.length);
          const indicator = createIndicator(spec);
          for (const { replace, bar } of updates.slice(0, split))
            replace ? indicator.replace(bar) : indicator.add(bar);
          const { kind, block } = blockOf(spec, 0);
          loadBlock(kind, spec, captureState(indicator), block, 0);
          for (const { replace, bar } of updates.slice(split)) {
            const expected = replace ? indicator.replace(bar) : indicator.add(bar);
            expect(feedBlock(kind, block, 0, bar, replace)).toEqual(expected);
          }
          expectSameState(kind, spec, block, 0, indicator);
        },
      ),
      { numRuns: 5 },
    );
  });

  it.each(specs)('%s fed in place holds the class results in its output slots at every update', (spec) => {
    const at = 5;
    const { kind, block } = blockOf(spec, at);
    const indicator = createIndicator(spec);
    const outputs = indicator.outputs;
    for (const { replace, bar } of updatesOf([0, 2, 1, 3])) {
      const expected = replace ? indicator.replace(bar) : indicator.add(bar);
      expect(feedBlockInPlace(kind, block, at, bar, replace)).toBe(expected !== null);
      if (expected === null) continue;
      const held = Object.fromEntries(outputs.map((name) => [name, block[at + 1 + outputSlot(kind, name)]]));
      expect(held).toEqual(typeof expected === 'number' ? { value: expected } : expected);
    }
    expect(outputSlot(kind, 'nope')).toBe(-1);
  });

  it('refuses a state of another window length, as restoring the class does', () => {
    const { kind, block } = blockOf('sma(10)', 0);
    expect(() => loadBlock(kind, 'sma(10)', captureState(createIndicator('sma(20)')), block, 0)).toThrow(
      'sma.window holds 10 numbers, the state 20 numbers',
    );
  });

  it("dispatches on dispatch.ts's kinds, which feedBlock writes as literals", () => {
    expect([SMA, EMA, RSI, MACD, BBANDS, ATR]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
