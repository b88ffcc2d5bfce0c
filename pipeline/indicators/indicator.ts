/** The fields of a bar an indicator reads. `openTime` (ms) anchors sessions (VWAP). */
export interface BarInput {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly openTime: number;
}

/**
 * A number for single-output indicators, a small plain object (`{macd, signal, hist}`) for the others. Outputs of
 * one indicator may warm up on different bars (as TA-Lib's functions do: ADX's ±DI before ADX); an output that is
 * not warm yet is absent from the object, never null or NaN.
 */
export type IndicatorResult = number | Readonly<Record<string, number>>;

/**
 * A streaming indicator. `add` appends a bar, `replace` swaps the last added bar (the still-forming one; before any
 * `add` it acts as `add`); both return the new `result`, which stays `null` until the indicator is warm.
 *
 * Implementations keep their state as "before the last bar" plus "after it": `add` makes the after-state the new
 * baseline, `replace` recomputes the after-state from the same baseline, so both are O(1). Each class writes its own
 * four-line `add`/`replace`/`result`/`reset` rather than inheriting them: the engine mixes every indicator type,
 * and one shared base method sees all their shapes, turning its property accesses megamorphic (measured ~3× slower
 * per update in bench/indicators.ts).
 */
export interface Indicator<R extends IndicatorResult = IndicatorResult> {
  readonly outputs: readonly string[];
  readonly result: R | null;
  add(input: BarInput): R | null;
  replace(input: BarInput): R | null;
  reset(): void;
}

/** Output names of every single-output indicator. */
export const SINGLE_OUTPUT: readonly string[] = Object.freeze(['value']);

/** Named outputs for `IndicatorValue.outputs`: a single number becomes `{ value }`. */
export function toOutputs(result: IndicatorResult): Readonly<Record<string, number>> {
  return typeof result === 'number' ? { value: result } : result;
}
