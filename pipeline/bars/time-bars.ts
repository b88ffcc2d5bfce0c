import type { TradeTick } from '../../schemas/tick.js';
import { type BarSeriesSnapshot, restoreBar, seriesMismatch, snapshotBar } from './bar-snapshot.js';
import type { BarState } from './bar-state.js';
import { BarPool, type BarSeries, intervalStart, type ScaledTrade, type SeriesContext } from './series.js';

/**
 * Time bars of one symbol at one interval, by event time.
 *
 * `bars` holds, oldest first, every bar that can still change: forming bars and final bars within their
 * grace. With `emptyIntervals: 'flat'` it is contiguous (flat bars fill gaps), otherwise sparse. With no
 * lateness it is one bar almost always, so the newest is checked first.
 *
 * A bar with close C (µs, inclusive) under watermark W: forming while W <= C; final once W > C (emitted
 * final, then revisable); past its grace once W > C + grace (evicted; a tick for it goes to the late output).
 *
 * At most `maxFlatBars` flat bars follow a bar with trades, however far the watermark jumps: a longer gap
 * is left empty and the next bar with trades carries `jumpedFrom`. So one far-off event time costs at most
 * that many bars per series, and the outcome does not depend on how the watermark got there (one jump or
 * a second at a time).
 */
export class TimeBarSeries implements BarSeries {
  private readonly bars: BarState[] = [];
  private readonly pool: BarPool;
  private readonly graceUs: number;
  private readonly flat: boolean;
  private readonly skipFirst: boolean;
  private readonly live: boolean;
  private readonly maxFlat: number;
  /** flat bars created since the newest bar with trades: none are created once it reaches maxFlat */
  private flatRun = 0;
  /** open time of the bar holding the first tick seen; NaN before */
  private firstOpenTime = Number.NaN;
  /** open time of the newest bar ever created (it may be evicted); NaN before */
  private newestOpenTime = Number.NaN;
  /** close of the newest bar once every bar was evicted: what the next flat bar carries */
  private evictedClose = 0;
  /** the last of `bars`, kept in a field: the hot path then skips the array */
  private newest: BarState | undefined;

  constructor(
    private readonly context: SeriesContext,
    private readonly label: string,
    private readonly ms: number,
    /** where this series' deadline sits in the symbol's block (see BarSeries) */
    private readonly deadlineSlot: number,
  ) {
    this.pool = new BarPool(context, label);
    this.graceUs = context.options.graceMs * 1000;
    this.flat = context.options.emptyIntervals === 'flat';
    this.skipFirst = context.options.firstBar === 'skip';
    this.live = context.options.liveUpdates;
    this.maxFlat = context.options.maxFlatBars;
  }

  advance(watermarkUs: number): void {
    const ms = this.ms;
    for (const bar of this.bars) {
      if ((bar.openTime + ms) * 1000 > watermarkUs) break;
      if (!bar.final) this.finalize(bar);
    }
    if (this.flat && !Number.isNaN(this.newestOpenTime)) {
      for (
        let openTime = this.newestOpenTime + ms;
        (openTime + ms) * 1000 <= watermarkUs && this.flatRun < this.maxFlat;
        openTime += ms
      ) {
        const bar = this.pool.take(openTime, openTime + ms - 1);
        bar.setFlat(this.lastClose());
        this.bars.push(bar);
        this.newestOpenTime = openTime;
        this.flatRun++;
        this.finalize(bar);
        this.evictPastGrace(watermarkUs); // a long quiet spell emits many flat bars but holds few
      }
    }
    this.evictPastGrace(watermarkUs);
    this.noteChanges();
  }

  addTrade(trade: ScaledTrade, tick: TradeTick): void {
    const newest = this.newest;
    // Almost every tick lands in the newest bar, which is neither late nor followed by flat bars. A bar's open
    // time is a multiple of the interval, so a whole-ms offset in [0, ms) from it is the test `intervalStart`
    // would give, without a division per series and tick. (The hot path keeps no float live across a call:
    // V8 would box it.)
    if (newest !== undefined) {
      const offset = trade.timeMs - newest.openTime;
      if (offset >= 0 && offset < this.ms) {
        this.apply(newest, trade);
        return;
      }
    }
    this.addToOtherBar(trade, tick, intervalStart(trade.timeMs, this.ms));
  }

  flush(): void {
    for (const bar of this.bars) {
      if (!bar.final) this.finalize(bar);
      this.pool.recycle(bar);
    }
    this.bars.length = 0;
    this.noteChanges();
  }

  rescale(sizePower: number, quotePower: number): void {
    for (const bar of this.bars) bar.rescale(sizePower, quotePower);
  }

  snapshot(): BarSeriesSnapshot {
    return {
      kind: 'time',
      interval: this.label,
      bars: this.bars.map(snapshotBar),
      firstOpenTime: Number.isNaN(this.firstOpenTime) ? null : this.firstOpenTime,
      newestOpenTime: Number.isNaN(this.newestOpenTime) ? null : this.newestOpenTime,
      evictedClose: this.evictedClose,
      flatRun: this.flatRun,
    };
  }

  restore(snapshot: BarSeriesSnapshot): void {
    if (snapshot.kind !== 'time' || snapshot.interval !== this.label)
      throw seriesMismatch(this.label, snapshot);
    for (const bar of snapshot.bars) this.bars.push(restoreBar(this.pool.take(0, 0), bar));
    this.firstOpenTime = snapshot.firstOpenTime ?? Number.NaN;
    this.newestOpenTime = snapshot.newestOpenTime ?? Number.NaN;
    this.evictedClose = snapshot.evictedClose;
    this.flatRun = snapshot.flatRun;
    this.noteChanges();
  }

  private apply(bar: BarState, trade: ScaledTrade): void {
    bar.addTrade(trade);
    bar.revision++;
    if (!bar.partial && (bar.final || this.live)) this.context.sink.bar(bar);
  }

  /** A tick for a new bar, an older bar, a bar past its grace, or before the first bar. */
  private addToOtherBar(trade: ScaledTrade, tick: TradeTick, openTime: number): void {
    const { watermarkUs } = trade;
    if (Number.isNaN(this.firstOpenTime)) this.firstOpenTime = openTime;
    const inPartialHistory = this.skipFirst && openTime <= this.firstOpenTime;
    if (this.skipFirst && openTime < this.firstOpenTime) return;
    if (watermarkUs >= (openTime + this.ms) * 1000 + this.graceUs) {
      if (!inPartialHistory) this.reportLate(trade, tick, openTime, watermarkUs);
      return;
    }
    const index = this.indexFor(openTime, watermarkUs);
    this.noteChanges();
    const bar = this.bars[index];
    if (!bar) return;
    const closeBefore = bar.close;
    this.apply(bar, trade);
    if (this.flat && index < this.bars.length - 1) {
      this.fillGapAfter(index, watermarkUs);
      if (bar.close !== closeBefore) this.carryCloseForward(index);
      this.noteChanges();
    }
  }

  private finalize(bar: BarState): void {
    bar.final = true;
    bar.revision++;
    if (!bar.partial) this.context.sink.bar(bar);
  }

  /**
   * After any change to `bars`: caches what the hot path reads, the newest bar and the next watermark at which
   * advance() has work (a bar to finalize, a flat bar due, a bar to evict).
   */
  private noteChanges(): void {
    // (never bars[-1]: a negative index turns V8's element load at that site megamorphic for good)
    this.newest = this.bars.length > 0 ? this.bars[this.bars.length - 1] : undefined;
    const ms = this.ms;
    let deadline = Number.POSITIVE_INFINITY;
    const oldest = this.bars[0];
    if (oldest?.final) deadline = (oldest.openTime + ms) * 1000 + this.graceUs;
    for (const bar of this.bars) {
      if (bar.final) continue;
      deadline = Math.min(deadline, (bar.openTime + ms) * 1000);
      break;
    }
    if (this.flat && !Number.isNaN(this.newestOpenTime) && this.flatRun < this.maxFlat) {
      deadline = Math.min(deadline, (this.newestOpenTime + 2 * ms) * 1000);
    }
    this.context.block.data[this.deadlineSlot] = deadline;
  }

  private lastClose(): number {
    const newest = this.bars.length > 0 ? this.bars[this.bars.length - 1] : undefined;
    return newest ? newest.close : this.evictedClose;
  }

  private evictPastGrace(watermarkUs: number): void {
    const bars = this.bars;
    for (let oldest = bars[0]; oldest; oldest = bars[0]) {
      if (!oldest.final || watermarkUs < (oldest.openTime + this.ms) * 1000 + this.graceUs) return;
      bars.shift();
      if (bars.length === 0) this.evictedClose = oldest.close;
      this.pool.recycle(oldest);
    }
  }

  /** Index of the bar opening at `openTime`, created (in order) if it does not exist yet. */
  private indexFor(openTime: number, watermarkUs: number): number {
    const bars = this.bars;
    let index = bars.length - 1;
    while (index >= 0 && (bars[index] as BarState).openTime > openTime) index--;
    if (index >= 0 && (bars[index] as BarState).openTime === openTime) return index;
    const bar = this.pool.take(openTime, openTime + this.ms - 1);
    bar.partial = this.skipFirst && openTime === this.firstOpenTime;
    // A bar first seen within its grace is born final: its first emission is its final one.
    bar.final = watermarkUs >= (openTime + this.ms) * 1000;
    if (index < bars.length - 1) {
      // inside a jump's empty span (a late tick within grace): the gap before it stays a jump
      const before = index >= 0 ? bars[index] : undefined;
      if (this.flat && before && before.openTime + this.ms < openTime) bar.jumpedFrom = before.openTime;
      bars.splice(index + 1, 0, bar);
      return index + 1;
    }
    if (this.flat && !Number.isNaN(this.newestOpenTime)) {
      // The gap's bars are not final yet: advance() already emitted every flat bar the watermark passed.
      let gap = this.newestOpenTime + this.ms;
      for (; gap < openTime && this.flatRun < this.maxFlat; gap += this.ms) {
        const flat = this.pool.take(gap, gap + this.ms - 1);
        flat.setFlat(this.lastClose());
        bars.push(flat);
        this.flatRun++;
      }
      if (gap < openTime) bar.jumpedFrom = gap - this.ms;
    }
    bars.push(bar);
    this.newestOpenTime = openTime;
    this.flatRun = 0;
    return bars.length - 1;
  }

  /**
   * After a bar was inserted before older history (keep policy, late start, a late tick inside a jump):
   * flat bars up to the next bar, at most maxFlatBars of them.
   */
  private fillGapAfter(index: number, watermarkUs: number): void {
    const bar = this.bars[index];
    const next = this.bars[index + 1];
    if (!bar || !next) return;
    let position = index + 1;
    const end = Math.min(next.openTime, bar.openTime + (this.maxFlat + 1) * this.ms);
    for (let gap = bar.openTime + this.ms; gap < end; gap += this.ms) {
      const flat = this.pool.take(gap, gap + this.ms - 1);
      flat.setFlat(bar.close);
      this.bars.splice(position++, 0, flat);
      if (watermarkUs >= (gap + this.ms) * 1000) this.finalize(flat);
    }
    const before = this.bars[position - 1];
    const jumpedFrom = before && before.openTime + this.ms < next.openTime ? before.openTime : -1;
    if (next.jumpedFrom !== jumpedFrom && next.revision >= 0) {
      next.jumpedFrom = jumpedFrom;
      next.revision++;
      if (!next.partial && (next.final || this.live)) this.context.sink.bar(next);
    } else next.jumpedFrom = jumpedFrom;
  }

  /** A revised close changes the flat bars that carry it; emitted ones are re-emitted as revisions. */
  private carryCloseForward(index: number): void {
    const bars = this.bars;
    const close = bars[index]?.close ?? 0;
    for (let next = bars[++index]; next && next.trades === 0 && next.close !== close; next = bars[++index]) {
      next.setFlat(close);
      if (next.final) {
        next.revision++;
        if (!next.partial) this.context.sink.bar(next);
      }
    }
  }

  private reportLate(trade: ScaledTrade, tick: TradeTick, openTime: number, watermarkUs: number): void {
    const watermark = Math.floor(watermarkUs / 1000);
    const { graceMs } = this.context.options;
    this.context.sink.late({
      code: 'NXR_LATE_TICK',
      tick,
      interval: this.label,
      barOpenTime: openTime,
      watermark,
      reason: `trade ${tick.tradeId} at ${new Date(trade.timeMs).toISOString()} belongs to the ${this.label} bar opened at ${new Date(openTime).toISOString()}, final and past its ${graceMs} ms grace (watermark ${new Date(watermark).toISOString()})`,
    });
  }
}
