import { describe, expect, it } from 'vitest';
import { fewestDecimals, MAX_DECIMALS } from './decimal-scale.js';
import {
  addExact,
  type ExactProduct,
  exactProduct,
  exactSums,
  exactToBigInt,
  exactToDecimalString,
  exactToNumber,
  formatUnits,
  scaleExact,
} from './exact-sum.js';

describe('exact sums', () => {
  it('sum ten 0.1 lots to exactly 1 where float addition gives 0.9999999999999999', () => {
    let float = 0;
    const sums = exactSums(1);
    for (let i = 0; i < 10; i++) {
      float += 0.1;
      addExact(sums, 0, 1); // 0.1 at 1 decimal
    }
    expect(float).not.toBe(1);
    expect(exactToDecimalString(sums, 0, 1)).toBe('1');
    expect(exactToNumber(sums, 0, 1, 10)).toBe(1);
  });

  it('stay exact past 2^53 units, each sum in its own slots', () => {
    const sums = exactSums(2);
    const big = 2 ** 53 - 1;
    for (let i = 0; i < 1000; i++) addExact(sums, 1, big);
    for (let i = 0; i < 1000; i++) addExact(sums, 1, 3);
    expect(exactToBigInt(sums, 1)).toBe(1000n * BigInt(big) + 3000n);
    expect(exactToBigInt(sums, 0)).toBe(0n);
  });

  it('rescale to a finer unit exactly, also past 2^53', () => {
    const sums = exactSums(1);
    addExact(sums, 0, 2 ** 52 + 7);
    scaleExact(sums, 0, 5);
    expect(exactToBigInt(sums, 0)).toBe((2n ** 52n + 7n) * 100_000n);
    addExact(sums, 0, 1);
    expect(exactToDecimalString(sums, 0, 5)).toBe('4503599627370503.00001');
  });

  it('convert to the float nearest the exact decimal', () => {
    const sums = exactSums(2);
    addExact(sums, 0, 3);
    expect(exactToNumber(sums, 0, 1, 10)).toBe(0.3);
    addExact(sums, 1, 2 ** 60);
    addExact(sums, 1, 1);
    expect(exactToNumber(sums, 1, 8, 1e8)).toBe(Number(`${2n ** 60n + 1n}e-8`));
  });
});

describe('exactProduct', () => {
  it('returns hi + lo equal to the integer product beyond 2^53', () => {
    const out: ExactProduct = { hi: 0, lo: 0 };
    const a = 6_180_030_000_123;
    const b = 987_654_321;
    exactProduct(a, b, out);
    expect(BigInt(out.hi) + BigInt(out.lo)).toBe(BigInt(a) * BigInt(b));
    exactProduct(618_003, 6, out);
    expect(out).toEqual({ hi: 3_708_018, lo: 0 });
  });
});

describe('formatUnits', () => {
  it('prints plain decimals without exponent or trailing zeros', () => {
    expect(formatUnits(12n, 8)).toBe('0.00000012');
    expect(formatUnits(120680310048800n, 7)).toBe('12068031.00488');
    expect(formatUnits(0n, 3)).toBe('0');
    expect(formatUnits(1500n, 3)).toBe('1.5');
    expect(formatUnits(42n, 0)).toBe('42');
  });
});

describe('fewestDecimals', () => {
  it('recovers the decimals an exchange sent from the parsed float', () => {
    expect(fewestDecimals(Number('61800.30'), 0)).toBe(1);
    expect(fewestDecimals(Number('0.00141342'), 0)).toBe(8);
    expect(fewestDecimals(Number('23.00000000'), 0)).toBe(0);
    expect(fewestDecimals(0.006, 2)).toBe(3);
  });

  it('caps values off any decimal grid at MAX_DECIMALS', () => {
    expect(fewestDecimals(1 / 3, 0)).toBe(MAX_DECIMALS);
  });
});
