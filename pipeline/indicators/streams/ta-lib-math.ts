/**
 * TA-Lib's numeric conventions, reproduced so our values equal TA-Lib's bit for bit
 * (ta_utility.h and ta_func/*.c of TA-Lib 0.6).
 */

/** TA-Lib treats |x| < 1e-14 as zero before dividing (TA_EPSILON). */
export const TA_EPSILON = 1e-14;

// (the literal: a module's own constant is not folded, see stream-blocks.ts)
export const isTaLibZero = (x: number): boolean => -1e-14 < x && x < 1e-14;

/** True range as TA-Lib's TRANGE and ADX compute it: the largest of high−low, |high−prev close|, |low−prev close|. */
export function trueRange(high: number, low: number, previousClose: number): number {
  let greatest = high - low;
  const toHigh = Math.abs(previousClose - high);
  if (toHigh > greatest) greatest = toHigh;
  const toLow = Math.abs(previousClose - low);
  if (toLow > greatest) greatest = toLow;
  return greatest;
}

/** (high + low + close) / 3, summed left to right as TA-Lib's CCI and MFI do. */
export const typicalPrice = (high: number, low: number, close: number): number => (high + low + close) / 3;
