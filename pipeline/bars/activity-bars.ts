import type { BarInterval } from '../../schemas/interval.js';
import { type BarSeriesSnapshot, restoreBar, seriesMismatch, snapshotBar } from './bar-snapshot.js';
import type { BarState } from './bar-state.js';
import { BarPool, type BarSeries, msOf, type ScaledTrade, type SeriesContext } from './series.js';

export type ActivityInterval = Exclude<BarInterval, { kind: 'time' }>;

/**
 * Tick (`100t`), volume (`10v`) and value (`1000000q`) bars of one symbol. Trades fill a bar in arrival
 * (log) order and the trade that reaches the threshold closes it, whole: trades are never split, so a
 * volume bar may hold more than its threshold. Open/close still follow event time inside the bar;
 * openTime/closeTime are the first and last trade times (ms). No watermark applies, so no tick is late.
 */
export class ActivityBarSeries implements BarSeries {
  private readonly pool: BarPool;
  private readonly live: boolean;
  private forming: BarState | null = null;
  // openTime and seq of the last closed bar: the next bar opening in the same ms gets seq + 1 (its storage key).
  private lastClosedOpenTime: number | null = null;
  private lastClosedSeq = 0;

  constructor(
    private readonly context: SeriesContext,
    private readonly interval: ActivityInterval,
  ) {
    this.pool = new BarPool(context, interval.label);
    this.live = context.options.liveUpdates;
  }

  /** Activity bars close on their threshold, never on the watermark: their deadline stays +∞. */
  advance(): void {}

  addTrade(trade: ScaledTrade): void {
    const bar = this.forming ?? this.pool.take(0, 0);
    this.forming = bar;
    bar.addTrade(trade);
    bar.openTime = msOf(bar.firstTradeUs);
    bar.closeTime = msOf(bar.lastTradeUs);
    bar.seq = bar.openTime === this.lastClosedOpenTime ? this.lastClosedSeq + 1 : 0;
    bar.revision++;
    if (this.isComplete(bar)) this.close(bar);
    else if (this.live) this.context.sink.bar(bar);
  }

  /** The last bar has not reached its threshold but the input ended: it is emitted final as it stands. */
  flush(): void {
    const bar = this.forming;
    if (!bar) return;
    bar.revision++;
    this.close(bar);
  }

  rescale(sizePower: number, quotePower: number): void {
    this.forming?.rescale(sizePower, quotePower);
  }

  snapshot(): BarSeriesSnapshot {
    const forming = this.forming && snapshotBar(this.forming);
    return {
      kind: 'activity',
      interval: this.interval.label,
      forming,
      lastClosedOpenTime: this.lastClosedOpenTime,
      lastClosedSeq: this.lastClosedSeq,
    };
  }

  restore(snapshot: BarSeriesSnapshot): void {
    const label = this.interval.label;
    if (snapshot.kind !== 'activity' || snapshot.interval !== label) throw seriesMismatch(label, snapshot);
    this.forming = snapshot.forming && restoreBar(this.pool.take(0, 0), snapshot.forming);
    this.lastClosedOpenTime = snapshot.lastClosedOpenTime;
    this.lastClosedSeq = snapshot.lastClosedSeq;
  }

  private isComplete(bar: BarState): boolean {
    const interval = this.interval;
    switch (interval.kind) {
      case 'tick':
        return bar.trades >= interval.trades;
      case 'volume':
        return bar.volume >= interval.volume;
      case 'value':
        return bar.quoteVolume >= interval.value;
    }
  }

  private close(bar: BarState): void {
    bar.final = true;
    this.context.sink.bar(bar);
    this.lastClosedOpenTime = bar.openTime;
    this.lastClosedSeq = bar.seq;
    this.pool.recycle(bar);
    this.forming = null;
  }
}
