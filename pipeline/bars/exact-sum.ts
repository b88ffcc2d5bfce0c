/**
 * Exact sums of decimal quantities without BigInt on the hot path.
 *
 * Every price and size is turned into an integer count of 10^-d units (see decimal-scale.ts), so volume and
 * quote volume are sums of integers. An `ExactSum` holds that integer as an unevaluated pair `hi + lo` of
 * integer-valued float64s (a "double-double"): while the total stays below 2^53 it is one plain addition;
 * beyond, Knuth's TwoSum and a renormalisation keep it exact up to about 2^106 units. No allocation per add.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** 2^27 + 1: Veltkamp's constant that splits a float64 into two 26-bit halves for Dekker's exact product. */
const SPLITTER = 134_217_729;

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

/** A running sum of integer-valued floats, exact (see the file comment). */
export class ExactSum {
  private hi = 0;
  private lo = 0;

  reset(): void {
    this.hi = 0;
    this.lo = 0;
  }

  /** Adds an integer-valued float (any magnitude up to ~2^106 in total). */
  add(units: number): void {
    const sum = this.hi + units;
    if (this.lo === 0 && sum <= MAX_SAFE) {
      this.hi = sum;
      return;
    }
    // TwoSum: sum + error === hi + units exactly; then fold the error into lo and renormalise.
    const virtual = sum - this.hi;
    const error = this.hi - (sum - virtual) + (units - virtual);
    const lo = this.lo + error;
    const hi = sum + lo;
    this.lo = lo - (hi - sum);
    this.hi = hi;
  }

  /** The exact integer total. */
  toBigInt(): bigint {
    return BigInt(this.hi) + BigInt(this.lo);
  }

  /** Multiplies the total by 10^power (the unit got finer); exact. */
  scaleBy(power: number): void {
    if (power === 0) return;
    const factor = powerOfTen(power);
    if (this.lo === 0 && this.hi * factor <= MAX_SAFE) {
      this.hi *= factor;
      return;
    }
    const scaled = this.toBigInt() * 10n ** BigInt(power);
    this.hi = Number(scaled);
    this.lo = Number(scaled - BigInt(this.hi));
  }

  /** The total in 10^-decimals units as a plain decimal string. */
  toDecimalString(decimals: number): string {
    return formatUnits(this.toBigInt(), decimals);
  }

  /** The float64 nearest to the exact decimal total (`factor` = 10^decimals). */
  toNumber(decimals: number, factor: number): number {
    // One division of exact operands is correctly rounded; past 2^53 units or 1e22 go through the string.
    if (this.lo === 0 && this.hi <= MAX_SAFE && decimals <= 22) return this.hi / factor;
    return Number(this.toDecimalString(decimals));
  }
}
