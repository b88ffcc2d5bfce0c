import { describe, expect, it } from 'vitest';
import type { TradeTick } from '../../schemas/tick.js';
import { BarAggregator } from './bar-aggregator.js';
import { recordingSink } from './recording-sink.js';
import { T0, tradeAt } from './test-ticks.js';

function finalBars(interval: string, ticks: TradeTick[]) {
  const recording = recordingSink();
  const aggregator = new BarAggregator({ intervals: [interval], liveUpdates: false }, recording.sink);
  for (const tick of ticks) aggregator.add(tick);
  aggregator.flush();
  return recording.finals();
}

describe('activity bars', () => {
  it('close a tick bar on its Nth trade and emit the short last one at flush', () => {
    const ticks = [1, 2, 3, 4, 5, 6, 7].map((second) => tradeAt(second * 1000, 100 + second));
    const bars = finalBars('3t', ticks);
    expect(
      bars.map((bar) => [bar.trades, bar.open, bar.close, bar.openTime - T0, bar.closeTime - T0]),
    ).toEqual([
      [3, 101, 103, 1000, 3000],
      [3, 104, 106, 4000, 6000],
      [1, 107, 107, 7000, 7000],
    ]);
  });

  it('close a volume bar on the trade that reaches the threshold, without splitting it', () => {
    const bars = finalBars('10v', [tradeAt(1, 1, 4), tradeAt(2, 1, 4), tradeAt(3, 1, 3), tradeAt(4, 1, 10)]);
    expect(bars.map((bar) => [bar.volume, bar.trades])).toEqual([
      [11, 3],
      [10, 1],
    ]);
  });

  it('close a value bar once price × size reaches the threshold', () => {
    const bars = finalBars('1000q', [
      tradeAt(1, 100, 4),
      tradeAt(2, 100, 5),
      tradeAt(3, 50, 2),
      tradeAt(4, 10, 1),
    ]);
    expect(bars.map((bar) => [bar.quoteVolume, bar.trades])).toEqual([
      [1000, 3],
      [10, 1],
    ]);
  });

  it('reach a volume threshold exactly where float sums fall short (0.1 + 0.2 + 0.7)', () => {
    expect(0.1 + 0.2 + 0.7).toBeLessThan(1.0000000000000002);
    const bars = finalBars('1v', [
      tradeAt(1, 1, 0.1),
      tradeAt(2, 1, 0.2),
      tradeAt(3, 1, 0.7),
      tradeAt(4, 1, 0.3),
    ]);
    expect(bars.map((bar) => [bar.volume, bar.trades, bar.final])).toEqual([
      [1, 3, true],
      [0.3, 1, true],
    ]);
  });

  it('fill in arrival order but take open, close and times from event time; no tick is late', () => {
    const bars = finalBars('3t', [tradeAt(5000, 1), tradeAt(1000, 2), tradeAt(3000, 3)]);
    expect(bars[0]).toMatchObject({
      open: 2,
      close: 1,
      openTime: T0 + 1000,
      closeTime: T0 + 5000,
      trades: 3,
    });
  });

  it('emit live updates with growing revisions and the final on the completing trade', () => {
    const recording = recordingSink();
    const aggregator = new BarAggregator({ intervals: ['2t'] }, recording.sink);
    for (const tick of [tradeAt(1, 1), tradeAt(2, 2), tradeAt(3, 3)]) aggregator.add(tick);
    expect(recording.bars.map((bar) => [bar.trades, bar.final, bar.revision])).toEqual([
      [1, false, 0],
      [2, true, 1],
      [1, false, 0],
    ]);
  });

  it('number bars opening in the same ms as the one before (seq 1, 2, …), also across a snapshot restore', () => {
    // 7 trades in one ms, then 2 in the next: 2t bars open at 5, 5, 5, 5(+6), 6.
    const ticks = [5, 5, 5, 5, 5, 5, 5, 6, 6].map((ms, i) => tradeAt(ms, 100 + i));
    const straight = finalBars('2t', ticks);
    expect(straight.map((bar) => [bar.openTime - T0, bar.seq ?? 0])).toEqual([
      [5, 0],
      [5, 1],
      [5, 2],
      [5, 3],
      [6, 0],
    ]);
    expect(straight[0]).not.toHaveProperty('seq'); // seq 0 is left out: time bars and old records look the same

    const recording = recordingSink();
    const first = new BarAggregator({ intervals: ['2t'], liveUpdates: false }, recording.sink);
    for (const tick of ticks.slice(0, 5)) first.add(tick);
    const snapshot = first.snapshot();
    const second = new BarAggregator({ intervals: ['2t'], liveUpdates: false }, recording.sink);
    second.restore(structuredClone(snapshot));
    for (const tick of ticks.slice(5)) second.add(tick);
    second.flush();
    expect(recording.finals()).toEqual(straight);
  });
});
