import { ATR, BBANDS, EMA, type IndicatorKind, indicatorKind, MACD, RSI, SMA } from './dispatch.js';
import type { BarInput, Indicator, IndicatorResult } from './indicator.js';
import { captureState, type IndicatorState, restoreState } from './indicator-state.js';
import { createIndicator } from './registry.js';
import {
  ATR_SIZE,
  afterFirstReady,
  atrTree,
  atrUpdate,
  EMA_SIZE,
  emaReady,
  emaTree,
  emaUpdate,
  loadAtr,
  loadEma,
  loadRsi,
  loadSma,
  RSI_SIZE,
  rsiTree,
  rsiUpdate,
  smaReady,
  smaSize,
  smaTree,
  smaUpdate,
} from './streams/stream-blocks.js';

/*
 * The engine's six common indicators (SMA, EMA, RSI, MACD, Bollinger Bands, ATR) with their numbers in a
 * Float64Array block at an offset, instead of an object per indicator and per helper stream with a boxed heap
 * number per field and a typed array per window: a series' indicators in one block are a few adjacent cache
 * lines where the objects were ~50 scattered ones (bench/README.md, the engine's layout). The arithmetic is
 * the classes' operation for operation (streams/stream-blocks.ts), so the values are TA-Lib's as theirs are
 * (indicator-block.test.ts feeds both the same bars). The classes stay the format of a captured state:
 * `captureBlock` writes the block's numbers into a fresh instance and captures that, and `loadBlock` reads a
 * captured state after restoring it into a fresh instance (which checks its shape), so snapshots are the same.
 */

/** Indicator header: a value flag (1 = `result` is not null), then up to three output values. */
const HAS_VALUE = 0;
const HEADER = 4;

/** Bollinger Bands: the deviations after the header, then the mean's and the mean of squares' streams. */
const B_DEVIATIONS = HEADER;
const B_MEAN = HEADER + 1;

/** Whether an indicator of this kind keeps its state in a block (the six kinds above). */
export const isBlockKind = (kind: IndicatorKind): boolean => kind >= SMA && kind <= ATR;

type Tree = IndicatorState;
const field = (tree: Tree, name: string): Tree => tree[name] as Tree;
const num = (tree: Tree, name: string): number => tree[name] as number;

/** A fresh indicator as block numbers, with its kind. */
export interface FreshBlock {
  readonly kind: IndicatorKind;
  readonly numbers: Float64Array;
}

const freshBlocks = new Map<string, FreshBlock | null>();

/**
 * A fresh indicator of `spec` as block numbers (their count is its block size), or null when its kind keeps no
 * block; built once per spec (a new series copies it: no instance, no spec parsing).
 */
export function freshBlock(spec: string): FreshBlock | null {
  let fresh = freshBlocks.get(spec);
  if (fresh === undefined) {
    const indicator = createIndicator(spec);
    const kind = indicatorKind(indicator);
    fresh = null;
    if (isBlockKind(kind)) {
      const state = captureState(indicator);
      const numbers = new Float64Array(sizeOf(kind, state));
      loadBlock(kind, spec, state, numbers, 0);
      fresh = { kind, numbers };
    }
    freshBlocks.set(spec, fresh);
  }
  return fresh;
}

function sizeOf(kind: IndicatorKind, fresh: Tree): number {
  switch (kind) {
    case SMA:
      return HEADER + smaSize(num(field(fresh, 'sma'), 'period'));
    case EMA:
      return HEADER + EMA_SIZE;
    case RSI:
      return HEADER + RSI_SIZE;
    case MACD:
      return HEADER + 3 * EMA_SIZE;
    case BBANDS:
      return B_MEAN + 2 * smaSize(num(field(fresh, 'mean'), 'period'));
    default:
      return HEADER + ATR_SIZE;
  }
}

/** Writes a captured state of an indicator of `spec` into the block at `at` (checked against a fresh instance). */
export function loadBlock(
  kind: IndicatorKind,
  spec: string,
  state: Tree,
  block: Float64Array,
  at: number,
): void {
  restoreState(createIndicator(spec), state);
  const value = state.value;
  block[at + HAS_VALUE] = value === null ? 0 : 1;
  if (typeof value === 'number') block[at + 1] = value;
  switch (kind) {
    case SMA:
      loadSma(field(state, 'sma'), block, at + HEADER);
      return;
    case EMA:
      loadEma(field(state, 'ema'), block, at + HEADER);
      return;
    case RSI:
      loadRsi(field(state, 'rsi'), block, at + HEADER);
      return;
    case MACD:
      if (value !== null) writeOutputs(block, at, value as Tree, MACD_OUTPUTS);
      loadEma(field(state, 'fast'), block, at + HEADER);
      loadEma(field(state, 'slow'), block, at + HEADER + EMA_SIZE);
      loadEma(field(state, 'signal'), block, at + HEADER + 2 * EMA_SIZE);
      return;
    case BBANDS: {
      if (value !== null) writeOutputs(block, at, value as Tree, BBANDS_OUTPUTS);
      block[at + B_DEVIATIONS] = num(state, 'deviations');
      const mean = field(state, 'mean');
      loadSma(mean, block, at + B_MEAN);
      loadSma(field(state, 'meanOfSquares'), block, at + B_MEAN + smaSize(num(mean, 'period')));
      return;
    }
    default:
      loadAtr(field(state, 'atr'), block, at + HEADER);
      return;
  }
}

/**
 * Per spec, what a capture starts from: a fresh instance's state (read only) and an instance the capture
 * restores into and captures again. A restore sets every field the instance has, so reusing it is as good as a
 * new one, without parsing the spec and capturing a fresh instance per indicator per checkpoint.
 */
const captureTemplates = new Map<string, { readonly fresh: Tree; readonly scratch: Indicator }>();

function captureTemplate(spec: string): { readonly fresh: Tree; readonly scratch: Indicator } {
  let template = captureTemplates.get(spec);
  if (template === undefined) {
    template = { fresh: captureState(createIndicator(spec)), scratch: createIndicator(spec) };
    captureTemplates.set(spec, template);
  }
  return template;
}

/** The state `captureState` gives for an instance of `spec` that had seen what the block at `at` has. */
export function captureBlock(kind: IndicatorKind, spec: string, block: Float64Array, at: number): Tree {
  const { fresh, scratch } = captureTemplate(spec);
  const state: Record<string, unknown> = { ...fresh };
  const has = block[at + HAS_VALUE] === 1;
  switch (kind) {
    case SMA:
      state.sma = smaTree(block, at + HEADER);
      break;
    case EMA:
      state.ema = emaTree(block, at + HEADER);
      break;
    case RSI:
      state.rsi = rsiTree(block, at + HEADER);
      break;
    case MACD:
      state.fast = emaTree(block, at + HEADER);
      state.slow = emaTree(block, at + HEADER + EMA_SIZE);
      state.signal = emaTree(block, at + HEADER + 2 * EMA_SIZE);
      break;
    case BBANDS: {
      const mean = smaTree(block, at + B_MEAN);
      state.mean = mean;
      state.meanOfSquares = smaTree(block, at + B_MEAN + smaSize(mean.period as number));
      break;
    }
    default:
      state.atr = atrTree(block, at + HEADER);
  }
  state.value = has ? resultIn(kind, block, at) : null;
  return captureState(restoreState(scratch, state as Tree));
}

const MACD_OUTPUTS = ['macd', 'signal', 'hist'] as const;
const BBANDS_OUTPUTS = ['upper', 'middle', 'lower'] as const;
const SINGLE_OUTPUT = ['value'] as const;

function writeOutputs(block: Float64Array, at: number, value: Tree, names: readonly string[]): void {
  for (let i = 0; i < names.length; i++) block[at + 1 + i] = num(value, names[i] as string);
}

function resultIn(kind: IndicatorKind, block: Float64Array, at: number): IndicatorResult {
  const a = block[at + 1] as number;
  const b = block[at + 2] as number;
  const c = block[at + 3] as number;
  if (kind === MACD) return { macd: a, signal: b, hist: c };
  if (kind === BBANDS) return { upper: a, middle: b, lower: c };
  return a;
}

/**
 * `indicator.replace(bar)` when `replacing`, else `indicator.add(bar)`, for the indicator whose block is at `at`
 * (see feedIndicator). Whether a stream has a value is read from its count, as the classes decide it.
 *
 * This and the updates below write the block's offsets and the kinds as literals (see stream-blocks.ts): the
 * header is 4 slots (0 the value flag, 1–3 the outputs), a stream's count at +1 (RSI, ATR) and its period at +0;
 * the kinds are dispatch.ts's (1 SMA, 2 EMA, 3 RSI, 4 MACD, 5 BBANDS, 6 ATR).
 */
export function feedBlock(
  kind: IndicatorKind,
  block: Float64Array,
  at: number,
  bar: BarInput,
  replacing: boolean,
): IndicatorResult | null {
  const streamAt = at + 4;
  switch (kind) {
    case 1: {
      const value = smaUpdate(block, streamAt, bar.close, replacing);
      return single(block, at, value, smaReady(block, streamAt));
    }
    case 2: {
      const value = emaUpdate(block, streamAt, bar.close, replacing);
      return single(block, at, value, emaReady(block, streamAt));
    }
    case 3: {
      const value = rsiUpdate(block, streamAt, bar.close, replacing);
      return single(block, at, value, afterFirstReady(block[streamAt + 1], block[streamAt]));
    }
    case 4:
      return macdUpdate(block, at, bar.close, replacing)
        ? { macd: block[at + 1] as number, signal: block[at + 2] as number, hist: block[at + 3] as number }
        : null;
    case 5:
      return bbandsUpdate(block, at, bar.close, replacing)
        ? { upper: block[at + 1] as number, middle: block[at + 2] as number, lower: block[at + 3] as number }
        : null;
    default: {
      const value = atrUpdate(block, streamAt, bar, replacing);
      return single(block, at, value, afterFirstReady(block[streamAt + 1], block[streamAt]));
    }
  }
}

/**
 * `feedBlock` without building a result: whether the indicator has a value, its outputs then in the block (see
 * outputSlot). For updates whose result is only read (forming bars): MACD and the bands build no object.
 */
export function feedBlockInPlace(
  kind: IndicatorKind,
  block: Float64Array,
  at: number,
  bar: BarInput,
  replacing: boolean,
): boolean {
  if (kind === 4) return macdUpdate(block, at, bar.close, replacing);
  if (kind === 5) return bbandsUpdate(block, at, bar.close, replacing);
  return feedBlock(kind, block, at, bar, replacing) !== null;
}

/**
 * Where output `output` of an indicator of `kind` sits among the three value slots after its header (0–2: the
 * block holds it at `at + 1 + slot` once it has a value), or −1 when the indicator has no such output.
 */
export function outputSlot(kind: IndicatorKind, output: string): number {
  const names: readonly string[] =
    kind === MACD ? MACD_OUTPUTS : kind === BBANDS ? BBANDS_OUTPUTS : SINGLE_OUTPUT;
  return names.indexOf(output);
}

function single(block: Float64Array, at: number, value: number, ready: boolean): number | null {
  if (!ready) {
    block[at] = 0;
    return null;
  }
  block[at] = 1;
  block[at + 1] = value;
  return value;
}

/** MACD on the block: true with its three outputs written after the header, false (none yet) otherwise. */
function macdUpdate(block: Float64Array, at: number, close: number, replacing: boolean): boolean {
  // the header, then the fast, slow and signal EMAs (8 slots each)
  const fastAt = at + 4;
  const slowAt = at + 12;
  const signalAt = at + 20;
  const fast = emaUpdate(block, fastAt, close, replacing);
  const slow = emaUpdate(block, slowAt, close, replacing);
  if (!emaReady(block, fastAt) || !emaReady(block, slowAt)) {
    block[at] = 0;
    return false;
  }
  const macd = fast - slow;
  const signal = emaUpdate(block, signalAt, macd, replacing);
  if (!emaReady(block, signalAt)) {
    block[at] = 0;
    return false;
  }
  block[at] = 1;
  block[at + 1] = macd;
  block[at + 2] = signal;
  block[at + 3] = macd - signal;
  return true;
}

/** Bollinger Bands on the block: true with upper, middle, lower written after the header, false otherwise. */
function bbandsUpdate(block: Float64Array, at: number, close: number, replacing: boolean): boolean {
  // the header, the deviations, then the mean's and the mean of squares' SMA streams (5 + period slots each)
  const meanAt = at + 5;
  const squaresAt = meanAt + 5 + (block[meanAt] as number);
  const middle = smaUpdate(block, meanAt, close, replacing);
  const meanOfSquares = smaUpdate(block, squaresAt, close * close, replacing);
  if (!smaReady(block, meanAt) || !smaReady(block, squaresAt)) {
    block[at] = 0;
    return false;
  }
  const variance = meanOfSquares - middle * middle;
  const width = (variance < 1e-14 ? 0 : Math.sqrt(variance)) * (block[at + 4] as number);
  block[at] = 1;
  block[at + 1] = middle + width;
  block[at + 2] = middle;
  block[at + 3] = middle - width;
  return true;
}
