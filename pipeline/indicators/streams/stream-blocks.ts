import type { BarInput } from '../indicator.js';
import type { IndicatorState } from '../indicator-state.js';
import { isTaLibZero, trueRange } from './ta-lib-math.js';

/*
 * The four streams of sma-stream.ts, ema-stream.ts, rsi-stream.ts and atr-stream.ts with their fields in a
 * Float64Array at an offset (indicator-block.ts lays them out): the same arithmetic, operation for operation.
 * An update returns the stream's value, which means nothing until its `…Ready` says so (the classes' null).
 */

type Tree = IndicatorState;
const num = (tree: Tree, name: string): number => tree[name] as number;

// SmaStream: period, count, slot, total, baseTotal, then the window.
export const S_PERIOD = 0;
export const S_COUNT = 1;
export const S_SLOT = 2;
export const S_TOTAL = 3;
export const S_BASE_TOTAL = 4;
export const S_WINDOW = 5;
export const smaSize = (period: number) => S_WINDOW + period;

// EmaStream: period, skip, k, count, seedTotal, baseSeedTotal, ema, baseEma.
export const E_PERIOD = 0;
export const E_SKIP = 1;
export const E_K = 2;
export const E_COUNT = 3;
export const E_SEED_TOTAL = 4;
export const E_BASE_SEED_TOTAL = 5;
export const E_EMA = 6;
export const E_BASE_EMA = 7;
export const EMA_SIZE = 8;

// RsiStream: period, count, previous, basePrevious, gain, baseGain, loss, baseLoss.
export const R_PERIOD = 0;
export const R_COUNT = 1;
export const R_PREVIOUS = 2;
export const R_BASE_PREVIOUS = 3;
export const R_GAIN = 4;
export const R_BASE_GAIN = 5;
export const R_LOSS = 6;
export const R_BASE_LOSS = 7;
export const RSI_SIZE = 8;

// AtrStream: period, count, previousClose, basePreviousClose, atr, baseAtr.
export const A_PERIOD = 0;
export const A_COUNT = 1;
export const A_PREVIOUS_CLOSE = 2;
export const A_BASE_PREVIOUS_CLOSE = 3;
export const A_ATR = 4;
export const A_BASE_ATR = 5;
export const ATR_SIZE = 6;

/*
 * The updates below write the offsets named above as literals: per module (as tsx runs the code) V8 folds a
 * literal, where a named constant is loaded and checked at each use (bench/README.md, Issue #17, per-tick
 * instructions). indicator-block.test.ts checks them against the classes, state by state.
 */

// SmaStream: 0 period, 1 count
export const smaReady = (b: Float64Array, at: number): boolean => (b[at + 1] as number) >= (b[at] as number);
// EmaStream: 0 period, 1 skip, 3 count
export const emaReady = (b: Float64Array, at: number): boolean =>
  (b[at + 3] as number) - (b[at + 1] as number) >= (b[at] as number);
/** RSI and ATR: nothing on the first value, then `period` changes (ranges) before the first result */
export const afterFirstReady = (count: number | undefined, period: number | undefined): boolean =>
  (count as number) > 1 && (count as number) - 1 >= (period as number);

/** SmaStream.update on a block (its value means nothing until smaReady). */
export function smaUpdate(b: Float64Array, at: number, value: number, replacing: boolean): number {
  // 0 period, 1 count, 2 slot, 3 total, 4 baseTotal, 5… the window
  const period = b[at] as number;
  let count = b[at + 1] as number;
  let slot = b[at + 2] as number;
  if (!replacing || count === 0) {
    count++;
    b[at + 1] = count;
    b[at + 4] = b[at + 3] as number;
    slot = slot + 1 === period ? 0 : slot + 1;
    b[at + 2] = slot;
  }
  b[at + 5 + slot] = value;
  const total = (b[at + 4] as number) + value;
  if (count < period) {
    b[at + 3] = total;
    return Number.NaN;
  }
  const oldestSlot = slot + 1 === period ? 0 : slot + 1;
  b[at + 3] = total - (b[at + 5 + oldestSlot] as number);
  return total / period;
}

/** EmaStream.update on a block (its value means nothing until emaReady). */
export function emaUpdate(b: Float64Array, at: number, value: number, replacing: boolean): number {
  // 0 period, 1 skip, 2 k, 3 count, 4 seedTotal, 5 baseSeedTotal, 6 ema, 7 baseEma
  let count = b[at + 3] as number;
  if (!replacing || count === 0) {
    count++;
    b[at + 3] = count;
    b[at + 5] = b[at + 4] as number;
    b[at + 7] = b[at + 6] as number;
  }
  const period = b[at] as number;
  const seen = count - (b[at + 1] as number);
  if (seen < period) {
    if (seen > 0) b[at + 4] = (b[at + 5] as number) + value;
    return Number.NaN;
  }
  const baseEma = b[at + 7] as number;
  const ema =
    seen === period
      ? ((b[at + 5] as number) + value) / period
      : (value - baseEma) * (b[at + 2] as number) + baseEma;
  b[at + 6] = ema;
  return ema;
}

/** RsiStream.update on a block (its value means nothing until afterFirstReady). */
export function rsiUpdate(b: Float64Array, at: number, value: number, replacing: boolean): number {
  // 0 period, 1 count, 2 previous, 3 basePrevious, 4 gain, 5 baseGain, 6 loss, 7 baseLoss
  let count = b[at + 1] as number;
  if (!replacing || count === 0) {
    count++;
    b[at + 1] = count;
    b[at + 3] = b[at + 2] as number;
    b[at + 5] = b[at + 4] as number;
    b[at + 7] = b[at + 6] as number;
  }
  b[at + 2] = value;
  if (count === 1) return Number.NaN;
  const period = b[at] as number;
  const change = value - (b[at + 3] as number);
  let gain = b[at + 5] as number;
  let loss = b[at + 7] as number;
  const changes = count - 1;
  if (changes <= period) {
    if (change < 0) loss -= change;
    else gain += change;
    b[at + 4] = gain;
    b[at + 6] = loss;
    if (changes < period) return Number.NaN;
    gain /= period;
    loss /= period;
  } else {
    loss *= period - 1;
    gain *= period - 1;
    if (change < 0) loss -= change;
    else gain += change;
    loss /= period;
    gain /= period;
  }
  b[at + 4] = gain;
  b[at + 6] = loss;
  const sum = gain + loss;
  return isTaLibZero(sum) ? 0 : 100 * (gain / sum);
}

/** AtrStream.update on a block (its value means nothing until afterFirstReady). */
export function atrUpdate(b: Float64Array, at: number, bar: BarInput, replacing: boolean): number {
  // 0 period, 1 count, 2 previousClose, 3 basePreviousClose, 4 atr, 5 baseAtr
  let count = b[at + 1] as number;
  if (!replacing || count === 0) {
    count++;
    b[at + 1] = count;
    b[at + 3] = b[at + 2] as number;
    b[at + 5] = b[at + 4] as number;
  }
  b[at + 2] = bar.close;
  if (count === 1) return Number.NaN;
  const period = b[at] as number;
  const range = trueRange(bar.high, bar.low, b[at + 3] as number);
  const ranges = count - 1;
  const baseAtr = b[at + 5] as number;
  if (ranges < period) {
    b[at + 4] = baseAtr + range;
    return Number.NaN;
  }
  let atr: number;
  if (ranges === period) {
    atr = (baseAtr + range) / period;
  } else {
    atr = baseAtr * (period - 1);
    atr += range;
    atr = atr / period;
  }
  b[at + 4] = atr;
  return atr;
}

export function loadSma(s: Tree, b: Float64Array, at: number): void {
  b[at + S_PERIOD] = num(s, 'period');
  b[at + S_COUNT] = num(s, 'count');
  b[at + S_SLOT] = num(s, 'slot');
  b[at + S_TOTAL] = num(s, 'total');
  b[at + S_BASE_TOTAL] = num(s, 'baseTotal');
  b.set(s.window as Float64Array, at + S_WINDOW);
}

export const smaTree = (b: Float64Array, at: number): Tree => {
  const period = b[at + S_PERIOD] as number;
  return {
    period,
    window: b.slice(at + S_WINDOW, at + S_WINDOW + period),
    count: b[at + S_COUNT] as number,
    slot: b[at + S_SLOT] as number,
    total: b[at + S_TOTAL] as number,
    baseTotal: b[at + S_BASE_TOTAL] as number,
  };
};

export function loadEma(s: Tree, b: Float64Array, at: number): void {
  b[at + E_PERIOD] = num(s, 'period');
  b[at + E_SKIP] = num(s, 'skip');
  b[at + E_K] = num(s, 'k');
  b[at + E_COUNT] = num(s, 'count');
  b[at + E_SEED_TOTAL] = num(s, 'seedTotal');
  b[at + E_BASE_SEED_TOTAL] = num(s, 'baseSeedTotal');
  b[at + E_EMA] = num(s, 'ema');
  b[at + E_BASE_EMA] = num(s, 'baseEma');
}

export const emaTree = (b: Float64Array, at: number): Tree => ({
  period: b[at + E_PERIOD] as number,
  skip: b[at + E_SKIP] as number,
  k: b[at + E_K] as number,
  count: b[at + E_COUNT] as number,
  seedTotal: b[at + E_SEED_TOTAL] as number,
  baseSeedTotal: b[at + E_BASE_SEED_TOTAL] as number,
  ema: b[at + E_EMA] as number,
  baseEma: b[at + E_BASE_EMA] as number,
});

export function loadRsi(s: Tree, b: Float64Array, at: number): void {
  b[at + R_PERIOD] = num(s, 'period');
  b[at + R_COUNT] = num(s, 'count');
  b[at + R_PREVIOUS] = num(s, 'previous');
  b[at + R_BASE_PREVIOUS] = num(s, 'basePrevious');
  b[at + R_GAIN] = num(s, 'gain');
  b[at + R_BASE_GAIN] = num(s, 'baseGain');
  b[at + R_LOSS] = num(s, 'loss');
  b[at + R_BASE_LOSS] = num(s, 'baseLoss');
}

export const rsiTree = (b: Float64Array, at: number): Tree => ({
  period: b[at + R_PERIOD] as number,
  count: b[at + R_COUNT] as number,
  previous: b[at + R_PREVIOUS] as number,
  basePrevious: b[at + R_BASE_PREVIOUS] as number,
  gain: b[at + R_GAIN] as number,
  baseGain: b[at + R_BASE_GAIN] as number,
  loss: b[at + R_LOSS] as number,
  baseLoss: b[at + R_BASE_LOSS] as number,
});

export function loadAtr(s: Tree, b: Float64Array, at: number): void {
  b[at + A_PERIOD] = num(s, 'period');
  b[at + A_COUNT] = num(s, 'count');
  b[at + A_PREVIOUS_CLOSE] = num(s, 'previousClose');
  b[at + A_BASE_PREVIOUS_CLOSE] = num(s, 'basePreviousClose');
  b[at + A_ATR] = num(s, 'atr');
  b[at + A_BASE_ATR] = num(s, 'baseAtr');
}

export const atrTree = (b: Float64Array, at: number): Tree => ({
  period: b[at + A_PERIOD] as number,
  count: b[at + A_COUNT] as number,
  previousClose: b[at + A_PREVIOUS_CLOSE] as number,
  basePreviousClose: b[at + A_BASE_PREVIOUS_CLOSE] as number,
  atr: b[at + A_ATR] as number,
  baseAtr: b[at + A_BASE_ATR] as number,
});
