import type { BarField } from '../../schemas/alert-rule.js';
import { intervalOf } from '../../schemas/interval.js';
import type { IntrabarProbe } from '../alerts/engine.js';
import type { AlertFrame } from '../alerts/series-frames.js';
import { PRICE_SERIES } from '../alerts/series-point.js';
import type { FrameCell } from '../alerts/series-rules.js';
import type { BarView } from '../bars/bar-state.js';
import { BBANDS, EMA, type IndicatorKind, indicatorKind, MACD, RSI, SMA } from '../indicators/dispatch.js';
import type { Indicator } from '../indicators/indicator.js';
import {
  captureBlock,
  type FreshBlock,
  freshBlock,
  loadBlock,
  outputSlot,
} from '../indicators/indicator-block.js';
import { captureState, type IndicatorState } from '../indicators/indicator-state.js';
import { createIndicator } from '../indicators/registry.js';
import type { WantedSeries } from './subscription-lookup.js';

/** One indicator instance on one series, and who needs it. */
export interface IndicatorSlot {
  readonly spec: string;
  /** the indicator, or null when its state is in its series' block at `at` (indicator-block.ts) */
  indicator: Indicator | null;
  /** the indicator's call site in dispatch.feedIndicator (or indicator-block.feedBlock) */
  readonly kind: IndicatorKind;
  /** where its state starts in its series' block; −1 while `indicator` holds it */
  at: number;
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

/**
 * The one empty list of every series and slot that has nothing in one (most): read on every bar update, one
 * shared array stays in cache where one per series was another scattered load.
 */
const NONE: readonly never[] = [];
/** the block of a series none of whose indicators keeps its state in one */
const NO_BLOCK = new Float64Array(0);
const orNone = <T>(list: readonly T[]): readonly T[] => (list.length === 0 ? NONE : list);
/** block kinds whose update reads the bar's close alone (dispatch.ts: SMA, EMA, RSI, MACD, BBANDS) */
const CLOSE_KINDS: readonly IndicatorKind[] = [SMA, EMA, RSI, MACD, BBANDS];

/** A slot for an indicator no rule watches yet (SeriesState.applyWanted fills `watched`). */
export const indicatorSlot = (
  spec: string,
  indicator: Indicator,
  emitted: boolean,
  seq: number,
): IndicatorSlot => slotOf(spec, indicator, indicatorKind(indicator), emitted, seq);

/** A new slot of `spec`: its state in the series' block when its kind keeps one (laid out by SeriesState). */
const newSlot = (spec: string, emitted: boolean): IndicatorSlot => {
  const fresh = freshBlock(spec);
  if (fresh === null) return indicatorSlot(spec, createIndicator(spec), emitted, 0);
  return slotOf(spec, null, fresh.kind, emitted, 0);
};

/** Every slot is made by this one literal: one hidden class, so the engine's reads of slots stay monomorphic. */
const slotOf = (
  spec: string,
  indicator: Indicator | null,
  kind: IndicatorKind,
  emitted: boolean,
  seq: number,
): IndicatorSlot => ({
  spec,
  indicator,
  kind,
  at: -1,
  seq,
  emitted,
  watched: NONE,
  warm: false,
  coldSeq: -1,
});

/** An indicator output some alert rule watches, with the probe its forming-bar values go through. */
export interface WatchedOutput {
  readonly output: string;
  readonly series: string;
  /** null when no rule book watches the series, only a series-threshold rule's cell (see ProbeFactory) */
  readonly probe: IntrabarProbe | null;
  /** where a series-threshold rule reads it, if one does */
  readonly cell: FrameCell | null;
  /** a value went through `probe` */
  seen: boolean;
  /** where its value sits among a block slot's outputs (indicator-block.outputSlot), set with its slot */
  outputSlot: number;
}

/** A bar field some alert rule watches (`bar.close`), with its probe. */
export interface WatchedBarField {
  readonly field: BarField;
  readonly series: string;
  readonly probe: IntrabarProbe | null;
  readonly cell: FrameCell | null;
}

/**
 * Makes the alert probe of one series of this venue:symbol and interval (AlertEngine.intrabarProbe); null when no
 * rule book watches the series (AlertEngine.watchedByBook): a point of it can only be counted.
 */
export type ProbeFactory = (series: string) => IntrabarProbe | null;

/** Whether only bar-close rules read this series of this venue:symbol and interval (AlertEngine.closeOnly). */
export type CloseOnlyTest = (series: string) => boolean;

/**
 * The slots of a series none of whose slots a rule watches, every one configured (emitted) and in the series'
 * block: only final bars update them, all at once. Shared by every such series with the same slots at the same
 * places (`plainSlotsOf`), so a final bar reads this one object, hot in cache, instead of its series' slot
 * objects (one scattered load each: the largest cost of a 1s bar's final update in the constant book).
 */
export interface PlainSlots {
  readonly kinds: readonly IndicatorKind[];
  readonly ats: readonly number[];
  readonly specs: readonly string[];
}

const plainLayouts = new Map<string, PlainSlots>();

/** The shared PlainSlots of `slots`, or null when one is watched, not emitted or holds its indicator. */
function plainSlotsOf(slots: readonly IndicatorSlot[]): PlainSlots | null {
  if (slots.some((slot) => slot.indicator !== null || !slot.emitted || slot.watched.length > 0)) return null;
  const key = slots.map((slot) => `${slot.kind}@${slot.at}:${slot.spec}`).join('\u0000');
  let plain = plainLayouts.get(key);
  if (plain === undefined) {
    plain = {
      kinds: slots.map((slot) => slot.kind),
      ats: slots.map((slot) => slot.at),
      specs: slots.map((slot) => slot.spec),
    };
    plainLayouts.set(key, plain);
  }
  return plain;
}

/**
 * A series' times in its symbol's `times` array: two per interval, the current open time at `at`, the last live
 * emission at `at + 1` (literals in the accessors below: see bar-state.ts for why).
 */
const TIMES = 2;

/** The engine's state for one venue:symbol at one interval. */
export class SeriesState {
  /** increments with each new bar the series takes, so indicators know add from replace */
  seq = 0;
  /** time bars (not activity bars): a newer bar waits while an older one is open (MarketEngine.onBar) */
  readonly timeBars: boolean;
  /** alert subscription version this state was last refreshed for */
  version = -1;
  /**
   * Non-null while every slot is plain (see PlainSlots): final bars then update the block through it, and the
   * slots' common `seq` is `plainSeq` (their own is stale until `slotSeq` or applyWanted reads it).
   */
  plain: PlainSlots | null = null;
  plainSeq = 0;
  priceWanted = false;
  /** the price series' alert probe while some rule book watches it (null also when only a frame reads it) */
  priceProbe: IntrabarProbe | null = null;
  /** bar fields some rule watches, with their probes */
  barProbes: readonly WatchedBarField[] = NONE;
  /** the series-threshold rules of this venue:symbol and interval, null when there are none */
  frame: AlertFrame | null = null;
  /** where the frame reads the price, if it does */
  priceCell: FrameCell | null = null;
  /**
   * The state of its slots of the six common kinds, one after the other (indicator-block.ts): a final bar's
   * indicators are a few adjacent cache lines instead of ~50 objects.
   */
  block: Float64Array = NO_BLOCK;
  slots: IndicatorSlot[];
  /** the slots some rule watches on forming bars, in slot order: the only ones forming bars update */
  watchedSlots: readonly IndicatorSlot[] = NONE;
  /**
   * The slots only bar-close rules watch (no series-threshold rule, no expiry): on a forming bar their values
   * can fire nothing, so they are computed on the final bar only, plus once for the forming bar `pending`
   * when the engine's state is read or its rules change (MarketEngine.catchUp).
   */
  closeSlots: readonly IndicatorSlot[] = NONE;
  /** every slot of closeSlots is warm: a forming bar has none to warm up */
  closeSlotsWarm = true;
  /**
   * The slots whose watched outputs only the frame reads, and only its groups without intrabar rules (MACD
   * against its signal, close against the bands, as bar-close rules): on a forming bar their values can fire
   * nothing, and only move those groups' last values on (and the series' last value, when a rule book holds
   * only bar-close rules of it: the MACD line, the source of MACD against its signal). They are computed on a bar's first forming update
   * (`lazySeq`) and on its final one; the forming updates between only note their close (`lazyCloses`), and
   * before the slots are next computed, or the engine's state is read (MarketEngine.settleLazy), the last two
   * closes are computed and the frame is told what its evaluations stored from them (AlertFrame.settleLazy):
   * the indicators and the frame's state are then what computing every update gives. Only kinds that read
   * the close alone (SMA, EMA, RSI, MACD, the bands).
   */
  lazySlots: readonly IndicatorSlot[] = NONE;
  /** the frame's cells of the lazy slots' watched outputs, in slot then watched order (see applyWanted) */
  lazyCells: readonly FrameCell[] = NONE;
  /** AlertEngine.bookEpoch when the lazy slots were chosen (a rule joining a group may make one intrabar) */
  lazyEpoch = -1;
  /** series sequence number of the bar whose first forming update computed the lazy slots (−1: none) */
  lazySeq = -1;
  /** points the lazy slots' watched outputs counted at that update: a skipped update counts as many */
  lazyPoints = 0;
  /**
   * The closes of the last two forming updates that skipped the lazy slots (last, then the one before), then
   * the event time of the last (its points' time)
   */
  lazyCloses: Float64Array = NO_BLOCK;
  /** the last frame evaluation read the lazy cells stale (so did the one before, for lazyStaleBefore) */
  lazyStale = false;
  lazyStaleBefore = false;
  /**
   * No rule reads a forming bar of this series (no probe, cell, frame, watched or close-only slot): past its
   * emission, onBar has nothing to do for one. Set with the rest by applyWanted.
   */
  formingIdle = true;
  /** the forming bar closeSlots (or lazySlots) skipped, with its revision then; null when none */
  pending: BarView | null = null;
  pendingRevision = -1;

  /**
   * The series' two times (ms, read on every bar update) in one array shared by its symbol's intervals
   * (`forSymbol`): two heap numbers per series were two more scattered loads per update.
   */
  private readonly times: Float64Array;
  private readonly at: number;

  constructor(
    readonly venue: string,
    readonly symbol: string,
    readonly interval: string,
    configured: readonly { readonly spec: string }[],
    times = new Float64Array(TIMES),
    index = 0,
  ) {
    this.slots = this.layOut(configured.map(({ spec }) => newSlot(spec, true)));
    this.timeBars = intervalOf(interval).kind === 'time';
    this.times = times;
    this.at = index * TIMES;
    this.currentOpenTime = Number.NEGATIVE_INFINITY;
    this.lastLiveEmitMs = Number.NEGATIVE_INFINITY;
  }

  /** The series of one venue:symbol, one per interval in order, sharing one array of times. */
  static forSymbol(
    venue: string,
    symbol: string,
    intervals: readonly string[],
    configured: readonly { readonly spec: string }[],
  ): SeriesState[] {
    const times = new Float64Array(TIMES * intervals.length);
    return intervals.map(
      (interval, index) => new SeriesState(venue, symbol, interval, configured, times, index),
    );
  }

  /** open time of the newest bar the series has seen (−∞ before the first) */
  get currentOpenTime(): number {
    return this.times[this.at] as number;
  }
  set currentOpenTime(value: number) {
    this.times[this.at] = value;
  }
  /** when a forming bar was last emitted (throttle) */
  get lastLiveEmitMs(): number {
    return this.times[this.at + 1] as number;
  }
  set lastLiveEmitMs(value: number) {
    this.times[this.at + 1] = value;
  }

  /** Replaces the slots (a restore): their indicators' states move into the series' block. */
  setSlots(slots: IndicatorSlot[]): void {
    this.slots = this.layOut(slots);
  }

  /** A slot's indicator state as `captureState` gives it (the format of snapshots). */
  captureSlot(slot: IndicatorSlot): IndicatorState {
    return slot.indicator === null
      ? captureBlock(slot.kind, slot.spec, this.block, slot.at)
      : captureState(slot.indicator);
  }

  /**
   * A new block for `slots`, in their order: a slot already in the old block is copied from it, a slot of a
   * block kind holding its indicator (a restore) has the indicator's state loaded and lets go of it, a new
   * slot gets a fresh indicator's numbers.
   */
  private layOut(slots: IndicatorSlot[]): IndicatorSlot[] {
    const fresh = slots.map((slot) => freshBlock(slot.spec));
    const sizes = fresh.map((block) => block?.numbers.length ?? 0);
    const total = sizes.reduce((sum, size) => sum + size, 0);
    const old = this.block;
    const block = total === 0 ? NO_BLOCK : new Float64Array(total);
    let at = 0;
    for (const [index, slot] of slots.entries()) {
      const size = sizes[index] as number;
      if (size === 0) continue;
      if (slot.indicator !== null) loadBlock(slot.kind, slot.spec, captureState(slot.indicator), block, at);
      else if (slot.at >= 0) block.set(old.subarray(slot.at, slot.at + size), at);
      else block.set((fresh[index] as FreshBlock).numbers, at);
      slot.indicator = null;
      slot.at = at;
      at += size;
    }
    this.block = block;
    const seq = slots[0]?.seq ?? 0;
    // (slots fed at different bars, as after a watched slot's forming updates, stay apart until the next layout)
    this.plain = slots.every((slot) => slot.seq === seq) ? plainSlotsOf(slots) : null;
    this.plainSeq = seq;
    return slots;
  }

  /** A slot's sequence number (slot.seq is stale while the slots are plain). */
  slotSeq(slot: IndicatorSlot): number {
    return this.plain === null ? slot.seq : this.plainSeq;
  }

  /**
   * An intrabar rule now reads a lazy slot's cell (it joined a group without a new subscription): every lazy
   * slot is computed on forming updates again, as a watched slot, until the next applyWanted. Settle first.
   */
  dropLazy(): void {
    const closeSlots = this.closeSlots;
    this.watchedSlots = orNone(
      this.slots.filter((slot) => slot.watched.length > 0 && !closeSlots.includes(slot)),
    );
    this.lazySlots = NONE;
    this.lazyCells = NONE;
    this.lazySeq = -1;
  }

  /** Applies what the rules watch now: creates indicators rules need, drops ones nobody needs any more. */
  applyWanted(
    wanted: WantedSeries,
    probeOf: ProbeFactory,
    frame: AlertFrame | null,
    closeOnly: CloseOnlyTest,
    booksCloseOnly: CloseOnlyTest,
  ): void {
    this.frame = frame;
    const cellOf = (series: string): FrameCell | null => frame?.cellOf(series) ?? null;
    this.priceWanted = wanted.price;
    this.priceProbe = wanted.price ? probeOf(PRICE_SERIES) : null;
    this.priceCell = cellOf(PRICE_SERIES);
    this.barProbes = orNone(
      wanted.bars.map(({ field, series }) => ({
        field,
        series,
        probe: probeOf(series),
        cell: cellOf(series),
      })),
    );
    const bySpec = new Map<string, WatchedOutput[]>();
    for (const { spec, output, series } of wanted.indicators) {
      const list = bySpec.get(spec) ?? [];
      list.push({
        output,
        series,
        probe: probeOf(series),
        cell: cellOf(series),
        seen: false,
        outputSlot: -1,
      });
      bySpec.set(spec, list);
    }
    const kept: IndicatorSlot[] = [];
    for (const slot of this.slots) {
      slot.seq = this.slotSeq(slot);
      slot.watched = bySpec.get(slot.spec) ?? NONE;
      slot.warm = false;
      slot.coldSeq = -1;
      bySpec.delete(slot.spec);
      if (slot.emitted || slot.watched.length > 0) kept.push(slot);
    }
    for (const [spec, watched] of bySpec) {
      const slot = newSlot(spec, false);
      slot.watched = watched;
      kept.push(slot);
    }
    this.slots = this.layOut(kept);
    for (const slot of kept)
      for (const entry of slot.watched) entry.outputSlot = outputSlot(slot.kind, entry.output);
    const closeOnlySlot = (slot: IndicatorSlot) =>
      slot.watched.every(({ series, cell }) => cell === null && closeOnly(series));
    const lazySlot = (slot: IndicatorSlot) =>
      frame !== null &&
      slot.indicator === null &&
      CLOSE_KINDS.includes(slot.kind) &&
      slot.watched.every(
        ({ series, probe, cell }) =>
          (probe === null || booksCloseOnly(series)) && (cell === null || !frame.readsIntrabar(cell)),
      );
    const watched = kept.filter((slot) => slot.watched.length > 0);
    this.closeSlots = orNone(watched.filter(closeOnlySlot));
    this.lazySlots = orNone(watched.filter((slot) => !closeOnlySlot(slot) && lazySlot(slot)));
    this.watchedSlots = orNone(watched.filter((slot) => !closeOnlySlot(slot) && !lazySlot(slot)));
    // one per watched output (a cell of its own for one no frame reads, so the frame never finds it)
    this.lazyCells = orNone(
      this.lazySlots.flatMap((slot) => slot.watched.map(({ cell }) => cell ?? { value: Number.NaN })),
    );
    if (frame !== null) frame.planLazy(this.lazyCells);
    if (this.lazySlots.length > 0 && this.lazyCloses.length === 0) this.lazyCloses = new Float64Array(3);
    this.lazySeq = -1;
    this.lazyStale = false;
    this.lazyStaleBefore = false;
    this.closeSlotsWarm = this.closeSlots.length === 0;
    this.formingIdle =
      !this.priceWanted &&
      this.priceCell === null &&
      this.barProbes.length === 0 &&
      this.watchedSlots.length === 0 &&
      this.closeSlots.length === 0 &&
      this.frame === null;
  }
}
