import { describe, expect, it } from 'vitest';
import type { Bar } from '../../schemas/bar.js';
import type { TradeTick } from '../../schemas/tick.js';
import { BarAggregator } from './bar-aggregator.js';
import type { BarAggregatorOptionsInput } from './bar-options.js';
import { recordingSink } from './recording-sink.js';
import { T0, tradeAt } from './test-ticks.js';

const S = 1000;
const M = 60_000;

function aggregate(options: Partial<BarAggregatorOptionsInput>, ticks: TradeTick[]) {
  const recording = recordingSink();
  const aggregator = new BarAggregator({ intervals: ['1m'], firstBar: 'keep', ...options }, recording.sink);
  for (const tick of ticks) aggregator.add(tick);
  return { aggregator, ...recording };
}

/** The fields a test is about, times relative to T0. */
const brief = (bar: Bar) => ({
  at: bar.openTime - T0,
  final: bar.final,
  revision: bar.revision,
  trades: bar.trades,
  close: bar.close,
});

describe('time bars', () => {
  it('align to UTC interval boundaries, closeTime = openTime + interval − 1', () => {
    const { aggregator, finals } = aggregate({ intervals: ['1m', '1h'] }, [
      tradeAt(10 * S, 100),
      tradeAt(70 * S, 101),
    ]);
    aggregator.flush();
    expect(finals().map((bar) => [bar.interval, bar.openTime - T0, bar.closeTime - T0])).toEqual([
      ['1m', 0, M - 1],
      ['1m', M, 2 * M - 1],
      ['1h', 0, 60 * M - 1],
    ]);
  });

  it('keep a trade on the last µs of a bar in it and open the next bar on the next ms, newest bar or not', () => {
    const lastMicrosecondOf = (ms: number, price: number): TradeTick => ({
      ...tradeAt(ms, price),
      timeUs: (T0 + ms) * 1000 - 1,
    });
    const { aggregator, finals } = aggregate({ intervals: ['1s', '1m'], allowedLatenessMs: 2 * S }, [
      tradeAt(0, 1),
      lastMicrosecondOf(S, 2),
      tradeAt(S, 3),
      lastMicrosecondOf(S, 4), // late, within lateness: back into the first 1s bar, no longer the newest
      lastMicrosecondOf(M, 5),
      tradeAt(M, 6),
    ]);
    aggregator.flush();
    const at = (interval: string, ms: number) =>
      finals()
        .filter((bar) => bar.interval === interval && bar.openTime === T0 + ms)
        .map(({ open, close, trades }) => ({ open, close, trades }));
    expect(at('1s', 0)).toEqual([{ open: 1, close: 4, trades: 3 }]);
    expect(at('1s', S)).toEqual([{ open: 3, close: 3, trades: 1 }]);
    expect(at('1s', M - S)).toEqual([{ open: 5, close: 5, trades: 1 }]);
    expect(at('1s', M)).toEqual([{ open: 6, close: 6, trades: 1 }]);
    expect(at('1m', 0)).toEqual([{ open: 1, close: 5, trades: 5 }]);
    expect(at('1m', M)).toEqual([{ open: 6, close: 6, trades: 1 }]);
  });

  it('take open and close from event time, not arrival, for out-of-order ticks within lateness', () => {
    const { aggregator, finals } = aggregate({ allowedLatenessMs: 30 * S }, [
      tradeAt(30 * S, 2),
      tradeAt(10 * S, 1),
      tradeAt(50 * S, 3),
      tradeAt(40 * S, 4),
    ]);
    aggregator.flush();
    expect(finals()[0]).toMatchObject({ open: 1, high: 4, low: 1, close: 3, trades: 4 });
  });

  it('break event-time ties by arrival: the first arrival opens, the last closes', () => {
    const { aggregator, finals } = aggregate({}, [tradeAt(5 * S, 5), tradeAt(5 * S, 6), tradeAt(5 * S, 7)]);
    aggregator.flush();
    expect(finals()[0]).toMatchObject({ open: 5, close: 7, high: 7, low: 5 });
  });

  it('become final only when the watermark (max event time − lateness) passes the close', () => {
    const { finals, aggregator } = aggregate({ allowedLatenessMs: 5 * S }, [
      tradeAt(10 * S, 1),
      tradeAt(M + 4 * S, 2),
    ]);
    expect(finals()).toEqual([]);
    expect(aggregator.watermark('binance', 'BTCUSDT')).toBe(T0 + M - S);
    aggregator.add(tradeAt(M + 5 * S, 3));
    expect(finals().map(brief)).toEqual([{ at: 0, final: true, revision: 1, trades: 1, close: 1 }]);
  });

  it('emit every live update with a growing revision, then the final with the next revision', () => {
    const { bars } = aggregate({}, [tradeAt(1 * S, 1), tradeAt(2 * S, 2), tradeAt(3 * S, 3), tradeAt(M, 4)]);
    expect(bars.map(brief)).toEqual([
      { at: 0, final: false, revision: 0, trades: 1, close: 1 },
      { at: 0, final: false, revision: 1, trades: 2, close: 2 },
      { at: 0, final: false, revision: 2, trades: 3, close: 3 },
      { at: 0, final: true, revision: 3, trades: 3, close: 3 },
      { at: M, final: false, revision: 0, trades: 1, close: 4 },
    ]);
  });

  it('with liveUpdates false emit only finals, with the same revisions as the live stream', () => {
    const { bars } = aggregate({ liveUpdates: false }, [tradeAt(1 * S, 1), tradeAt(2 * S, 2), tradeAt(M, 4)]);
    expect(bars.map(brief)).toEqual([{ at: 0, final: true, revision: 2, trades: 2, close: 2 }]);
  });

  it('re-emit a final bar as a revision for a late tick within the grace period', () => {
    const { bars, late } = aggregate({ graceMs: 30 * S, liveUpdates: false }, [
      tradeAt(10 * S, 1),
      tradeAt(M + 5 * S, 2),
      tradeAt(20 * S, 3),
    ]);
    expect(late).toEqual([]);
    expect(bars.map(brief)).toEqual([
      { at: 0, final: true, revision: 1, trades: 1, close: 1 },
      { at: 0, final: true, revision: 2, trades: 2, close: 3 },
    ]);
  });

  it('send a tick past the grace period to the late output and change nothing', () => {
    const { bars, late, aggregator } = aggregate({ graceMs: 30 * S, liveUpdates: false }, [
      tradeAt(10 * S, 1),
      tradeAt(M + 31 * S, 2),
      tradeAt(20 * S, 3),
    ]);
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({
      code: 'NXR_LATE_TICK',
      interval: '1m',
      barOpenTime: T0,
      watermark: T0 + M + 31 * S,
    });
    expect(late[0]?.reason).toContain('final and past its 30000 ms grace');
    aggregator.flush();
    expect(bars.map(brief)).toEqual([
      { at: 0, final: true, revision: 1, trades: 1, close: 1 },
      { at: M, final: true, revision: 1, trades: 1, close: 2 },
    ]);
  });

  it('judge lateness per interval: a tick too late for its 1s bar still counts in its 1m bar', () => {
    const { late, finals, aggregator } = aggregate({ intervals: ['1s', '1m'], emptyIntervals: 'skip' }, [
      tradeAt(1 * S, 1),
      tradeAt(3 * S, 2),
      tradeAt(2 * S, 3),
    ]);
    expect(late.map((tick) => tick.interval)).toEqual(['1s']);
    aggregator.flush();
    expect(finals().find((bar) => bar.interval === '1m')).toMatchObject({ trades: 3, close: 2 });
  });

  it('never emit the first bar under firstBar "skip" (the aggregator joined mid-bar)', () => {
    const { bars, aggregator } = aggregate({ firstBar: 'skip' }, [tradeAt(30 * S, 1), tradeAt(M + 1, 2)]);
    aggregator.flush();
    expect(bars.map(brief)).toEqual([
      { at: M, final: false, revision: 0, trades: 1, close: 2 },
      { at: M, final: true, revision: 1, trades: 1, close: 2 },
    ]);
  });

  it('fill empty intervals with flat bars at the previous close under emptyIntervals "flat"', () => {
    const { finals } = aggregate({}, [tradeAt(10 * S, 100, 2), tradeAt(3 * M + 1, 101)]);
    expect(
      finals().map((bar) => [
        bar.openTime - T0,
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        bar.volume,
        bar.trades,
      ]),
    ).toEqual([
      [0, 100, 100, 100, 100, 2, 1],
      [M, 100, 100, 100, 100, 0, 0],
      [2 * M, 100, 100, 100, 100, 0, 0],
    ]);
  });

  it('emit no bar for an empty interval under emptyIntervals "skip"', () => {
    const { finals } = aggregate({ emptyIntervals: 'skip' }, [tradeAt(10 * S, 100), tradeAt(3 * M + 1, 101)]);
    expect(finals().map((bar) => bar.openTime - T0)).toEqual([0]);
  });

  it('finalize a quiet symbol’s bars, flat ones included, by advanceWatermark', () => {
    const { aggregator, finals } = aggregate({}, [tradeAt(10 * S, 100)]);
    aggregator.advanceWatermark(T0 + 2 * M + 5 * S);
    expect(finals().map(brief)).toEqual([
      { at: 0, final: true, revision: 1, trades: 1, close: 100 },
      { at: M, final: true, revision: 0, trades: 0, close: 100 },
    ]);
  });

  it('revise the flat bars that carried a close changed by a late tick within grace', () => {
    const { bars } = aggregate({ graceMs: 5 * M, liveUpdates: false }, [
      tradeAt(10 * S, 100),
      tradeAt(3 * M + 20 * S, 105),
      tradeAt(50 * S, 99),
    ]);
    expect(bars.map(brief)).toEqual([
      { at: 0, final: true, revision: 1, trades: 1, close: 100 },
      { at: M, final: true, revision: 0, trades: 0, close: 100 },
      { at: 2 * M, final: true, revision: 0, trades: 0, close: 100 },
      { at: 0, final: true, revision: 2, trades: 2, close: 99 },
      { at: M, final: true, revision: 1, trades: 0, close: 99 },
      { at: 2 * M, final: true, revision: 1, trades: 0, close: 99 },
    ]);
  });

  it('turn a flat bar into a real one when a late tick within grace lands in it', () => {
    const { bars } = aggregate({ graceMs: 5 * M, liveUpdates: false }, [
      tradeAt(10 * S, 100),
      tradeAt(2 * M + 20 * S, 105),
      tradeAt(M + 50 * S, 103),
    ]);
    expect(bars.slice(-1).map((bar) => ({ ...brief(bar), open: bar.open, volume: bar.volume }))).toEqual([
      { at: M, final: true, revision: 1, trades: 1, close: 103, open: 103, volume: 1 },
    ]);
  });

  it('stay revisable while the watermark is at most graceMs past the close, to the millisecond', () => {
    const within = aggregate({ graceMs: 30 * S, liveUpdates: false }, [
      tradeAt(10 * S, 1),
      tradeAt(M + 30 * S - 1, 2),
      tradeAt(20 * S, 3),
    ]);
    expect(within.late).toEqual([]);
    const past = aggregate({ graceMs: 30 * S, liveUpdates: false }, [
      tradeAt(10 * S, 1),
      tradeAt(M + 30 * S, 2),
      tradeAt(20 * S, 3),
    ]);
    expect(past.late.map((late) => late.barOpenTime - T0)).toEqual([0]);
  });

  it('subtract the allowed lateness from an external clock too, and judge later ticks by it', () => {
    const { aggregator, finals, late } = aggregate({ allowedLatenessMs: 5 * S }, [tradeAt(10 * S, 1)]);
    aggregator.advanceWatermark(T0 + M + 4 * S);
    expect(finals()).toEqual([]);
    aggregator.advanceWatermark(T0 + M + 5 * S);
    expect(finals().map(brief)).toEqual([{ at: 0, final: true, revision: 1, trades: 1, close: 1 }]);
    aggregator.add(tradeAt(50 * S, 2));
    expect(late).toHaveLength(1);
  });

  it('hand sinks a view whose toBar() is a frozen copy', () => {
    const copies: Bar[] = [];
    const aggregator = new BarAggregator(
      { intervals: ['1m'], firstBar: 'keep' },
      { bar: (bar) => copies.push(bar.toBar()), late: () => {} },
    );
    aggregator.add(tradeAt(M + 1, 1));
    aggregator.add(tradeAt(M + 2, 2));
    expect(copies.map((bar) => bar.close)).toEqual([1, 2]);
    expect(Object.isFrozen(copies[0])).toBe(true);
  });

  it('keep a watermark per symbol: one symbol’s clock does not make another’s ticks late', () => {
    const eth = { symbol: 'ETHUSDT' };
    const { late, finals } = aggregate({ liveUpdates: false }, [
      tradeAt(10 * S, 1),
      tradeAt(10 * S, 10, 1, eth),
      tradeAt(M + 10 * S, 2),
      tradeAt(30 * S, 11, 1, eth),
    ]);
    expect(late).toEqual([]);
    expect(finals().map((bar) => bar.symbol)).toEqual(['BTCUSDT']);
  });
});
