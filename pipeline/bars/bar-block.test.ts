import { describe, expect, it } from 'vitest';
import { BAR_STRIDE, BarBlock, type BlockReader, CLOSE } from './bar-block.js';

describe('BarBlock', () => {
  it('puts bars after the header, at even slots, and keeps their numbers when it grows', () => {
    const block = new BarBlock(5, 1);
    const header: BlockReader = { data: new Float64Array(0) };
    block.watch(header);
    header.data[4] = 42;
    const bars = Array.from({ length: 5 }, () => ({ data: new Float64Array(0) }) as BlockReader);
    const bases = bars.map((bar, index) => {
      const base = block.claim(bar);
      bar.data[base + CLOSE] = 100 + index;
      return base;
    });
    expect(bases).toEqual([6, 6 + BAR_STRIDE, 6 + 2 * BAR_STRIDE, 6 + 3 * BAR_STRIDE, 6 + 4 * BAR_STRIDE]);
    expect(bars.every((bar) => bar.data === block.data && bar.data === header.data)).toBe(true);
    expect(bases.map((base) => block.data[base + CLOSE])).toEqual([100, 101, 102, 103, 104]);
    expect(block.data[4]).toBe(42);
  });
});
