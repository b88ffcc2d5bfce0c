/*
 * The numbers of one symbol's bars, every interval's, in one Float64Array: a bar is BAR_STRIDE consecutive
 * slots, so a tick's updates of its three bars touch a few adjacent cache lines instead of dozens of separate
 * heap numbers and sums arrays (bench:engine's loop was bound by those loads, see bench/README.md).
 */

/** Slot offsets of one bar's numbers; the exact sums take SUMS … SUMS + 5 (hi, lo of three sums). */
export const OPEN_TIME = 0;
export const CLOSE_TIME = 1;
export const OPEN = 2;
export const HIGH = 3;
export const LOW = 4;
export const CLOSE = 5;
export const FIRST_TRADE_US = 6;
export const LAST_TRADE_US = 7;
/** even, so a sum's hi/lo pair is `2 · at, 2 · at + 1` for an integer `at` (see exact-sum.ts) */
export const SUMS = 8;
export const JUMPED_FROM = 14;
export const BAR_STRIDE = 16;

/** Whatever reads a block's numbers: given the new array when the block grows. */
export interface BlockReader {
  data: Float64Array<ArrayBuffer>;
}

/**
 * A symbol's block: `header` slots of the symbol's own numbers (its clock, its series' deadlines: see
 * symbol-bars.ts), then its bars.
 */
export class BarBlock {
  data: Float64Array<ArrayBuffer>;
  /** first slot of the first bar: the header rounded up to even (sums need even offsets) */
  private readonly barsFrom: number;
  private bars = 0;
  private readonly readers: BlockReader[] = [];

  /** `bars`: how many bars to make room for before the first growth (one per interval without lateness). */
  constructor(header: number, bars: number) {
    this.barsFrom = header + (header % 2);
    this.data = new Float64Array(this.barsFrom + Math.max(1, bars) * BAR_STRIDE);
  }

  /** Room for one more bar: its first slot. Growing moves every bar's numbers to a twice larger array. */
  claim(reader: BlockReader): number {
    const base = this.barsFrom + this.bars * BAR_STRIDE;
    if (base + BAR_STRIDE > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
      for (const other of this.readers) other.data = grown;
    }
    this.bars++;
    this.watch(reader);
    return base;
  }

  /** `reader.data` is this block's array from now on, whenever it grows. */
  watch(reader: BlockReader): void {
    this.readers.push(reader);
    reader.data = this.data;
  }
}
