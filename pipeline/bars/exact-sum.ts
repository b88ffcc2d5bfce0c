/**
 * Exact sums of decimal quantities without BigInt on the hot path.
 *
 * Every price and size is turned into an integer count of 10^-d units (see decimal-scale.ts), so volume and
 * quote volume are sums of integers. Each sum is held as an unevaluated pair `hi + lo` of integer-valued
 * float64s (a "double-double") in two slots of a Float64Array: while the total stays below 2^53 an add is
 * one plain addition; beyond, Knuth's TwoSum and a renormalisation keep it exact up to about 2^106 units.
 * No allocation per add, and a bar's sums sit in one array (fewer objects to reach per tick).
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** 2^27 + 1: Veltkamp's constant that splits a float64 into two 26-bit halves for Dekker's exact product. */
const SPLITTER = 134_217_729;

/** `count` exact sums, all zero; sum i lives in slots 2i (hi) and 2i + 1 (lo). */
export const exactSums = (count: number): Float64Array => new Float64Array(2 * count);

/** Adds an integer-valued float to sum `at` (any magnitude up to ~2^106 in total). */
export function addExact(sums: Float64Array, at: number, units: number): void {
  const hi = sums[2 * at] ?? 0;
  const lo = sums[2 * at + 1] ?? 0;
  const sum = hi + units;
  // (Number's own constant: V8 folds it, where a module-level one is a load per add)
  if (lo === 0 && sum <= Number.MAX_SAFE_INTEGER) {
    sums[2 * at] = sum;
    return;
  }
  // TwoSum: sum + error === hi + units exactly; then fold the error into lo and renormalise.
  const virtual = sum - hi;
  const error = hi - (sum - virtual) + (units - virtual);
  const low = lo + error;
  const high = sum + low;
  sums[2 * at] = high;
  sums[2 * at + 1] = low - (high - sum);
}

/** The exact integer value of sum `at`. */
export const exactToBigInt = (sums: Float64Array, at: number): bigint =>
  BigInt(sums[2 * at] ?? 0) + BigInt(sums[2 * at + 1] ?? 0);

/** Multiplies sum `at` by 10^power (the unit got finer); exact. */
export function scaleExact(sums: Float64Array, at: number, power: number): void {
  if (power === 0) return;
  const hi = sums[2 * at] ?? 0;
  const factor = powerOfTen(power);
  if (sums[2 * at + 1] === 0 && hi * factor <= MAX_SAFE) {
    sums[2 * at] = hi * factor;
    return;
  }
  const scaled = exactToBigInt(sums, at) * 10n ** BigInt(power);
  const high = Number(scaled);
  sums[2 * at] = high;
  sums[2 * at + 1] = Number(scaled - BigInt(high));
}

/** Sum `at` in 10^-decimals units as a plain decimal string. */
export const exactToDecimalString = (sums: Float64Array, at: number, decimals: number): string =>
  formatUnits(exactToBigInt(sums, at), decimals);

/** The float64 nearest to the exact decimal value of sum `at` (`factor` = 10^decimals). */
export function exactToNumber(sums: Float64Array, at: number, decimals: number, factor: number): number {
  const hi = sums[2 * at] ?? 0;
  // One division of exact operands is correctly rounded; past 2^53 units or 1e22 go through the string.
  if (sums[2 * at + 1] === 0 && hi <= MAX_SAFE && decimals <= 22) return hi / factor;
  return Number(exactToDecimalString(sums, at, decimals));
}

/** A product `hi + lo` of two integers, exact; a reused out-parameter so the hot path does not allocate. */
export interface ExactProduct {
  hi: number;
  lo: number;
}

/** Exact product of two non-negative integer-valued floats (Dekker's TwoProduct past 2^53). */
export function exactProduct(a: number, b: number, out: ExactProduct): void {
  const product = a * b;
  out.hi = product;
  if (product <= MAX_SAFE) {
    out.lo = 0;
    return;
  }
  const splitA = SPLITTER * a;
  const aHigh = splitA - (splitA - a);
  const aLow = a - aHigh;
  const splitB = SPLITTER * b;
  const bHigh = splitB - (splitB - b);
  const bLow = b - bHigh;
  out.lo = aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
}

/** 10^decimals as a float, exact for decimals <= 22 (built by repeated ×10, which is exact up to 1e22). */
export function powerOfTen(decimals: number): number {
  let factor = 1;
  for (let i = 0; i < decimals; i++) factor *= 10;
  return factor;
}

/** Formats an integer count of 10^-decimals units as a plain decimal: no exponent, no trailing zeros. */
export function formatUnits(units: bigint, decimals: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
