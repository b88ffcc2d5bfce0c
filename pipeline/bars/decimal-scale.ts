import { powerOfTen } from './exact-sum.js';

/**
 * Decimals beyond which a price or size is rounded for the sums. Exchanges quote at most 8 (Binance) to
 * 10 decimals; values off any such grid (e.g. computed floats) are summed as their 12-decimal rounding.
 */
export const MAX_DECIMALS = 12;

/**
 * The fewest decimals (>= atLeast) whose decimal reading of `value` parses back to the same float.
 * A decimal string of at most 15 significant digits maps to a unique float64, so this recovers the exact
 * decimal the exchange sent (e.g. 0.1 → 1 decimal, 61800.30 → 1 decimal) from the number alone.
 */
export function fewestDecimals(value: number, atLeast: number): number {
  let factor = powerOfTen(atLeast);
  for (let decimals = atLeast; decimals < MAX_DECIMALS; decimals++) {
    if (Math.round(value * factor) / factor === value) return decimals;
    factor *= 10;
  }
  return MAX_DECIMALS;
}

/**
 * The unit of one symbol's sums: volume counts 10^-sizeDecimals, quote volume 10^-(price+size decimals).
 * It only grows (the first 0.001 lot turns whole lots into thousandths), and every open bar of the symbol is
 * rescaled when it does, so all of them share one unit.
 */
export class DecimalScale {
  priceDecimals = 0;
  sizeDecimals = 0;
  priceFactor = 1;
  sizeFactor = 1;
  quoteDecimals = 0;
  quoteFactor = 1;

  setDecimals(priceDecimals: number, sizeDecimals: number): void {
    this.priceDecimals = priceDecimals;
    this.sizeDecimals = sizeDecimals;
    this.priceFactor = powerOfTen(priceDecimals);
    this.sizeFactor = powerOfTen(sizeDecimals);
    this.quoteDecimals = priceDecimals + sizeDecimals;
    this.quoteFactor = powerOfTen(this.quoteDecimals);
  }
}
