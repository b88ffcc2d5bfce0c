import { describe, expect, it } from 'vitest';
import { fewestDecimals, MAX_DECIMALS } from './decimal-scale.js';
import { type ExactProduct, ExactSum, exactProduct, formatUnits } from './exact-sum.js';

describe('ExactSum', () => {
  it('sums ten 0.1 lots to exactly 1 where float addition gives 0.9999999999999999', () => {
    let float = 0;
    const sum = new ExactSum();
    for (let i = 0; i < 10; i++) {
      float += 0.1;
      sum.add(1); // 0.1 at 1 decimal
    }
    expect(float).not.toBe(1);
    expect(sum.toDecimalString(1)).toBe('1');
    expect(sum.toNumber(1, 10)).toBe(1);
  });

  it('stays exact past 2^53 units', () => {
    const sum = new ExactSum();
    const big = 2 ** 53 - 1;
    for (let i = 0; i < 1000; i++) sum.add(big);
    for (let i = 0; i < 1000; i++) sum.add(3);
    expect(sum.toBigInt()).toBe(1000n * BigInt(big) + 3000n);
  });

  it('rescales to a finer unit exactly, also past 2^53', () => {
    const sum = new ExactSum();
    sum.add(2 ** 52 + 7);
    sum.scaleBy(5);
    expect(sum.toBigInt()).toBe((2n ** 52n + 7n) * 100_000n);
    sum.add(1);
    expect(sum.toDecimalString(5)).toBe('4503599627370503.00001');
  });

  it('converts to the float nearest the exact decimal', () => {
    const sum = new ExactSum();
    sum.add(3);
    expect(sum.toNumber(1, 10)).toBe(0.3);
    const huge = new ExactSum();
    huge.add(2 ** 60);
    huge.add(1);
    expect(huge.toNumber(8, 1e8)).toBe(Number(`${2n ** 60n + 1n}e-8`));
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
