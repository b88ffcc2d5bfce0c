import { describe, expect, it } from 'vitest';
import {
  BAR_STRIDE,
  BarBlock,
  type BlockReader,
  CLOSE,
  CLOSE_TIME,
  FIRST_TRADE_US,
  HIGH,
  JUMPED_FROM,
  LAST_TRADE_US,
  LOW,
  OPEN,
  OPEN_TIME,
} from './bar-block.js';
import { BarState } from './bar-state.js';
import { DecimalScale } from './decimal-scale.js';

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

  it("keeps a bar state's numbers at the slots it names (the accessors write them as literals)", () => {
    const block = new BarBlock(2, 1);
    const bar = new BarState('binance', 'BTCUSDT', '1m', new DecimalScale(), block);
    const base = 2; // the first bar after a 2-slot header
    bar.reset(60_000, 119_999);
    bar.open = 101.5;
    bar.high = 103.25;
    bar.low = 99.75;
    bar.close = 102;
    bar.firstTradeUs = 60_000_123;
    bar.lastTradeUs = 119_998_001;
    bar.jumpedFrom = 0;
    const slots = [OPEN_TIME, CLOSE_TIME, OPEN, HIGH, LOW, CLOSE, FIRST_TRADE_US, LAST_TRADE_US, JUMPED_FROM];
    expect(slots.map((slot) => block.data[base + slot])).toEqual([
      60_000, 119_999, 101.5, 103.25, 99.75, 102, 60_000_123, 119_998_001, 0,
    ]);
    block.data[base + HIGH] = 104;
    expect(bar.high).toBe(104);
  });
});
