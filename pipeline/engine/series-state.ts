import type { BarField } from '../../schemas/alert-rule.js';
import type { IntrabarProbe } from '../alerts/engine.js';
import type { AlertFrame } from '../alerts/series-frames.js';
import { PRICE_SERIES } from '../alerts/series-point.js';
import type { FrameCell } from '../alerts/series-rules.js';
import type { BarView } from '../bars/bar-state.js';
import { type IndicatorKind, indicatorKind } from '../indicators/dispatch.js';
import type { Indicator } from '../indicators/indicator.js';
import { createIndicator } from '../indicators/registry.js';
import type { WantedSeries } from './subscription-lookup.js';

/** One indicator instance on one series, and who needs it. */
export interface IndicatorSlot {
  readonly spec: string;
  readonly indicator: Indicator;
  /** the indicator's call site in dispatch.feedIndicator */
  readonly kind: IndicatorKind;
  /** series sequence number of the last bar fed to it (same = replace, newer = add) */
  seq: number;
  /** configured: emitted on every final bar */
  readonly emitted: boolean;
  /** outputs some alert rule watches, with their series names; non-empty = also computed on forming bars */
  watched: readonly WatchedOutput[];
  /**
   * Every watched output has had a value (so the alert series has its state): from then on a slot of
   * closeSlots skips forming bars. Before, it is computed on them as any watched slot, so the alert states are
   * created at the same points, in the same order, as without the skip.
   */
  warm: boolean;
  /**
   * Series sequence number of a bar on whose first forming update a slot of closeSlots was not warm: it skips
   * that bar's other forming updates too (warm-up counts bars, not values: the outputs it lacked then, it lacks
   * until the next bar).
   */
  coldSeq: number;
}

/** A slot for an indicator no rule watches yet (SeriesState.applyWanted fills `watched`). */
export const indicatorSlot = (
  spec: string,
  indicator: Indicator,
  emitted: boolean,
  seq: number,
): IndicatorSlot => ({
  spec,
  indicator,
  kind: indicatorKind(indicator),
  seq,
  emitted,
  watched: [],
  warm: false,
  coldSeq: -1,
});

/** An indicator output some alert rule watches, with the probe its forming-bar values go through. */
export interface WatchedOutput {
  readonly output: string;
  readonly series: string;
  readonly probe: IntrabarProbe;
  /** where a series-threshold rule reads it, if one does */
  readonly cell: FrameCell | null;
  /** a value went through `probe` */
  seen: boolean;
}

/** A bar field some alert rule watches (`bar.close`), with its probe. */
export interface WatchedBarField {
  readonly field: BarField;
  readonly series: string;
  readonly probe: IntrabarProbe;
  readonly cell: FrameCell | null;
}

/** Makes the alert probe of one series of this venue:symbol and interval (AlertEngine.intrabarProbe). */
export type ProbeFactory = (series: string) => IntrabarProbe;

/** Whether only bar-close rules read this series of this venue:symbol and interval (AlertEngine.closeOnly). */
export type CloseOnlyTest = (series: string) => boolean;

/** The engine's state for one venue:symbol at one interval. */
export class SeriesState {
  /** increments with each new bar (revision 0), so indicators know add from replace */
  seq = 0;
  currentOpenTime = Number.NEGATIVE_INFINITY;
  lastLiveEmitMs = Number.NEGATIVE_INFINITY;
  /** alert subscription version this state was last refreshed for */
  version = -1;
  priceWanted = false;
  /** the price series' alert probe while some rule watches it */
  priceProbe: IntrabarProbe | null = null;
  /** bar fields some rule watches, with their probes */
  barProbes: readonly WatchedBarField[] = [];
  /** the series-threshold rules of this venue:symbol and interval, null when there are none */
  frame: AlertFrame | null = null;
  /** where the frame reads the price, if it does */
  priceCell: FrameCell | null = null;
  slots: IndicatorSlot[];
  /** the slots some rule watches on forming bars, in slot order: the only ones forming bars update */
  watchedSlots: IndicatorSlot[] = [];
  /**
   * The slots only bar-close rules watch (no series-threshold rule, no expiry): on a forming bar their values
   * can fire nothing, so they are computed on the final bar only, plus once for the forming bar `pending`
   * when the engine's state is read or its rules change (MarketEngine.catchUp).
   */
  closeSlots: IndicatorSlot[] = [];
  /** the forming bar closeSlots skipped, with its revision then; null when none */
  pending: BarView | null = null;
  pendingRevision = -1;

  constructor(
    readonly venue: string,
    readonly symbol: string,
    readonly interval: string,
    configured: readonly { readonly spec: string }[],
  ) {
    this.slots = configured.map(({ spec }) => indicatorSlot(spec, createIndicator(spec), true, 0));
  }

  /** Applies what the rules watch now: creates indicators rules need, drops ones nobody needs any more. */
  applyWanted(
    wanted: WantedSeries,
    probeOf: ProbeFactory,
    frame: AlertFrame | null,
    closeOnly: CloseOnlyTest,
  ): void {
    this.frame = frame;
    const cellOf = (series: string): FrameCell | null => frame?.cellOf(series) ?? null;
    this.priceWanted = wanted.price;
    this.priceProbe = wanted.price ? probeOf(PRICE_SERIES) : null;
    this.priceCell = cellOf(PRICE_SERIES);
    this.barProbes = wanted.bars.map(({ field, series }) => ({
      field,
      series,
      probe: probeOf(series),
      cell: cellOf(series),
    }));
    const bySpec = new Map<string, WatchedOutput[]>();
    for (const { spec, output, series } of wanted.indicators) {
      const list = bySpec.get(spec) ?? [];
      list.push({ output, series, probe: probeOf(series), cell: cellOf(series), seen: false });
      bySpec.set(spec, list);
    }
    const kept: IndicatorSlot[] = [];
    for (const slot of this.slots) {
      slot.watched = bySpec.get(slot.spec) ?? [];
      slot.warm = false;
      slot.coldSeq = -1;
      bySpec.delete(slot.spec);
      if (slot.emitted || slot.watched.length > 0) kept.push(slot);
    }
    for (const [spec, watched] of bySpec) {
      const slot = indicatorSlot(spec, createIndicator(spec), false, 0);
      slot.watched = watched;
      kept.push(slot);
    }
    this.slots = kept;
    const closeOnlySlot = (slot: IndicatorSlot) =>
      slot.watched.every(({ series, cell }) => cell === null && closeOnly(series));
    this.watchedSlots = kept.filter((slot) => slot.watched.length > 0 && !closeOnlySlot(slot));
    this.closeSlots = kept.filter((slot) => slot.watched.length > 0 && closeOnlySlot(slot));
  }
}
