import { z } from 'zod';
import { NexuralError } from '../../schemas/errors.js';
import type { Hit, IndexStats } from './condition-index.js';
import type { RuleRuntime } from './rule-runtime.js';
import type { PointBar, SeriesPoint } from './series-point.js';
import { type FrameCell, type GroupInstance, SeriesRuleGroup } from './series-rules.js';

/**
 * What a frame evaluation knows besides the series values: the bar update that caused it. The composition
 * may reuse one object: the trigger is only built when a rule fires.
 */
export interface FrameContext {
  readonly bar: PointBar;
  /** the trade of a forming-bar update, null for a bar trigger */
  readonly tick: { readonly tradeId: string; readonly timeUs: number; readonly price: number } | null;
  readonly sourcePosition: SeriesPoint['sourcePosition'];
  /** event time, ms */
  readonly time: number;
  /**
   * grows with each new bar of the venue:symbol's interval (the MarketEngine's bar sequence): a final update
   * with the sequence of a bar already closed is a revision, and is not a bar close again. Bars of tick,
   * volume and value intervals may open in the same millisecond, so the open time cannot tell them apart.
   */
  readonly barSeq: number;
}

export interface FrameHit extends Hit {
  readonly series: string;
  readonly value: number;
}

const NO_PLAN = new Int32Array(0);

/**
 * The series-threshold rules that apply to one venue:symbol on one interval, with a cell per series they
 * read. The composition writes every cell's current value (NaN when not warm) on each bar update, then asks
 * the engine to evaluate the frame (AlertEngine.evaluateFrame). Valid while the subscription version it was
 * made for holds (AlertEngine.subscriptionVersion).
 */
export class AlertFrame {
  readonly cells = new Map<string, FrameCell>();
  readonly members: readonly FrameMember[];
  /** scratch: the values of one member's series at this evaluation */
  readonly now = new Float64Array(3);
  /** see planLazy: quadruples (member or −1 for `now`, value index, lazy cell, 1 if from the previous evaluation) */
  #lazyPlan: Int32Array = NO_PLAN;

  constructor(
    readonly venue: string,
    readonly symbol: string,
    readonly interval: string,
    groups: readonly SeriesRuleGroup[],
  ) {
    this.members = groups.map((group) => ({
      group,
      instance: group.instanceFor(venue, symbol),
      reads: [
        this.cell(group.source),
        ...group.operands.map((operand) =>
          'series' in operand ? this.cell(operand.series) : { value: operand.constant },
        ),
      ],
    }));
  }

  /**
   * Compares each group with this bar update's cell values (intrabar groups on a forming bar, bar-close groups
   * on the first final update of a bar) and returns the rules that hold and whose frequency and cooldown admit
   * a firing now, unsorted; null when none. `holding` is scratch.
   */
  collectHits(context: FrameContext, stats: IndexStats & { groupsCompared: number }, holding: RuleRuntime[]) {
    const { bar } = context;
    // A trade is an intrabar evaluation even when it completes its bar (tick, volume and value bars).
    const intrabar = !bar.final || context.tick !== null;
    let admitted: FrameHit[] | null = null;
    const members = this.members;
    const now = this.now;
    for (let m = 0; m < members.length; m++) {
      const { group, instance, reads } = members[m] as FrameMember;
      // (a pair's third value stays the previous member's: `compare` stores it as it finds it)
      for (let index = 0; index < reads.length; index++) now[index] = (reads[index] as FrameCell).value;
      if (intrabar) {
        const previous = instance.last[0] as number;
        const bits = group.compare(group.intrabar, now, instance.last);
        stats.groupsCompared++;
        if (bits !== 0) {
          holding.length = 0;
          group.collect(group.intrabar, bits, holding);
          stats.rulesVisited += holding.length;
          admitted = admitHolding(holding, group, instance.instanceKey, previous, now, context, admitted);
        }
      }
      if (bar.final && context.barSeq > instance.lastFinalSeq) {
        const previous = instance.lastFinal[0] as number;
        instance.lastFinalSeq = context.barSeq;
        const bits = group.compare(group.close, now, instance.lastFinal);
        stats.groupsCompared++;
        if (bits !== 0) {
          holding.length = 0;
          group.collect(group.close, bits, holding);
          stats.rulesVisited += holding.length;
          admitted = admitHolding(holding, group, instance.instanceKey, previous, now, context, admitted);
        }
      }
    }
    return admitted;
  }

  /** Whether a group with intrabar rules reads `cell`: a forming bar's value of it can fire. */
  readsIntrabar(cell: FrameCell): boolean {
    return this.members.some(({ group, reads }) => group.intrabar.size > 0 && reads.includes(cell));
  }

  /**
   * Names the cells the composition leaves unwritten on some forming updates (SeriesState.lazySlots: read only
   * by groups without intrabar rules): `settleLazy` then writes what the evaluations of those updates stored
   * from them. Where a stored value comes from is fixed by the members' order: a member's own reads, else (a
   * pair's third value) the last earlier member reading that many, else the last such member of the previous
   * evaluation, as `collectHits` leaves them in `now`.
   */
  planLazy(lazy: readonly FrameCell[]): void {
    const members = this.members;
    const writerUpTo = (last: number, index: number): number => {
      for (let m = last; m >= 0; m--) if ((members[m] as FrameMember).reads.length > index) return m;
      return -1;
    };
    const lazyAt = (m: number, index: number): number =>
      lazy.indexOf((members[m] as FrameMember).reads[index] as FrameCell);
    const plan: number[] = [];
    for (let m = -1; m < members.length; m++) {
      for (let index = 0; index < 3; index++) {
        // m = -1: `now` after the evaluation (the last writer of each value)
        const own = writerUpTo(m < 0 ? members.length - 1 : m, index);
        const writer = own >= 0 ? own : writerUpTo(members.length - 1, index);
        if (writer < 0) continue;
        const at = lazyAt(writer, index);
        if (at >= 0) plan.push(m, index, at, own >= 0 ? 0 : 1);
      }
    }
    this.#lazyPlan = plan.length === 0 ? NO_PLAN : Int32Array.from(plan);
  }

  /**
   * After intrabar evaluations that read the lazy cells (planLazy) stale: writes into each group's last values
   * and into `now` what the last evaluation would have stored from them (`current`, in planLazy's order), and
   * what it took over from the one before when that one read them stale too (`previous`).
   */
  settleLazy(current: Float64Array, previous: Float64Array, previousStale: boolean): void {
    const plan = this.#lazyPlan;
    const members = this.members;
    for (let i = 0; i < plan.length; i += 4) {
      const fromPrevious = plan[i + 3] === 1;
      if (fromPrevious && !previousStale) continue;
      const value = (fromPrevious ? previous : current)[plan[i + 2] as number] as number;
      const m = plan[i] as number;
      const target = m < 0 ? this.now : (members[m] as FrameMember).instance.last;
      target[plan[i + 1] as number] = value;
    }
  }

  /** The cell of a series this frame reads, undefined if none of its rules reads it. */
  cellOf(series: string): FrameCell | undefined {
    return this.cells.get(series);
  }

  private cell(series: string): FrameCell {
    let cell = this.cells.get(series);
    if (!cell) {
      cell = { value: Number.NaN };
      this.cells.set(series, cell);
    }
    return cell;
  }
}

/** Appends the holding rules whose frequency and cooldown admit a firing now. */
function admitHolding(
  holding: readonly RuleRuntime[],
  group: SeriesRuleGroup,
  instanceKey: string,
  previous: number,
  now: Float64Array,
  context: FrameContext,
  admitted: FrameHit[] | null,
): FrameHit[] | null {
  let out = admitted;
  for (const runtime of holding) {
    if (
      runtime.status !== 'active' ||
      !runtime.admits(instanceKey, context.bar.openTime, context.bar.seq ?? 0, context.time)
    )
      continue;
    out ??= [];
    out.push({
      runtime,
      previous: Number.isNaN(previous) ? null : previous,
      thresholds: group.thresholdValues(now),
      series: group.source,
      value: now[0] as number,
    });
  }
  return out;
}

/** One group as a frame evaluates it: its venue:symbol state and where each value comes from. */
export interface FrameMember {
  readonly group: SeriesRuleGroup;
  readonly instance: GroupInstance;
  /** source then operands: a series' cell, or a cell of its own holding a constant channel edge */
  readonly reads: readonly FrameCell[];
}

const nullableFloats = z.array(z.number().nullable()).length(3);

/** One venue:symbol's state in one series-rule group, as plain data. */
export const seriesGroupSnapshotSchema = z.object({
  symbol: z.string().describe('the book: a symbol, or *'),
  interval: z.string(),
  key: z.string().describe('source and thresholds of the group'),
  venue: z.string(),
  instanceSymbol: z.string(),
  last: nullableFloats.describe('source and thresholds at the last intrabar evaluation'),
  lastFinal: nullableFloats.describe('the same at the last bar-final evaluation'),
  lastFinalSeq: z.number().nullable().describe('sequence number of the last bar evaluated final'),
});
export type SeriesGroupSnapshot = z.output<typeof seriesGroupSnapshotSchema>;

const toNullable = (values: Float64Array): (number | null)[] =>
  [...values].map((value) => (Number.isNaN(value) ? null : value));
const fromNullable = (target: Float64Array, values: readonly (number | null)[]): void => {
  values.forEach((value, index) => {
    target[index] = value ?? Number.NaN;
  });
};

/** Every series-threshold rule group: interval → book symbol (or *) → group key → group. */
export class SeriesRuleBooks {
  readonly #byInterval = new Map<string, Map<string, Map<string, SeriesRuleGroup>>>();

  /** Adds a rule to its group in each of its books; returns whether a group was created. */
  attach(runtime: RuleRuntime): boolean {
    const interval = runtime.rule.interval;
    let bySymbol = this.#byInterval.get(interval);
    if (!bySymbol) {
      bySymbol = new Map();
      this.#byInterval.set(interval, bySymbol);
    }
    const key = SeriesRuleGroup.keyOf(runtime);
    let created = false;
    for (const symbol of runtime.symbols) {
      let groups = bySymbol.get(symbol);
      if (!groups) {
        groups = new Map();
        bySymbol.set(symbol, groups);
      }
      let group = groups.get(key);
      if (!group) {
        group = new SeriesRuleGroup(key, runtime);
        groups.set(key, group);
        created = true;
      }
      group.add(runtime);
    }
    return created;
  }

  /** Takes a rule out of its groups; returns whether a group was dropped (emptied). */
  detach(runtime: RuleRuntime): boolean {
    const bySymbol = this.#byInterval.get(runtime.rule.interval);
    if (!bySymbol) return false;
    const key = SeriesRuleGroup.keyOf(runtime);
    let dropped = false;
    for (const symbol of runtime.symbols) {
      const groups = bySymbol.get(symbol);
      const group = groups?.get(key);
      if (!groups || !group) continue;
      group.remove(runtime);
      if (group.size > 0) continue;
      groups.delete(key);
      dropped = true;
      if (groups.size === 0) bySymbol.delete(symbol);
    }
    if (bySymbol.size === 0) this.#byInterval.delete(runtime.rule.interval);
    return dropped;
  }

  /** Every (book symbol, interval, series) the groups read. */
  *subscriptions(): Generator<{ symbol: string; interval: string; series: string }> {
    for (const [interval, bySymbol] of this.#byInterval) {
      for (const [symbol, groups] of bySymbol) {
        for (const group of groups.values()) {
          for (const series of group.series) yield { symbol, interval, series };
        }
      }
    }
  }

  /** Whether a group of this symbol (or of *) on this interval reads the series. */
  reads(symbol: string, interval: string, series: string): boolean {
    const bySymbol = this.#byInterval.get(interval);
    for (const groups of [bySymbol?.get(symbol), bySymbol?.get('*')]) {
      for (const group of groups?.values() ?? []) if (group.series.includes(series)) return true;
    }
    return false;
  }

  /** The frame of a venue:symbol on an interval, or null when no series-threshold rule applies to it. */
  frameOf(venue: string, symbol: string, interval: string): AlertFrame | null {
    const bySymbol = this.#byInterval.get(interval);
    const own = bySymbol?.get(symbol);
    const wildcard = bySymbol?.get('*');
    if (!own && !wildcard) return null;
    const groups = [...(own?.values() ?? []), ...(wildcard?.values() ?? [])];
    return new AlertFrame(venue, symbol, interval, groups);
  }

  snapshot(): SeriesGroupSnapshot[] {
    const out: SeriesGroupSnapshot[] = [];
    for (const [interval, bySymbol] of this.#byInterval) {
      for (const [symbol, groups] of bySymbol) {
        for (const [key, group] of groups) {
          for (const instance of group.instances.values()) {
            out.push({
              symbol,
              interval,
              key,
              venue: instance.venue,
              instanceSymbol: instance.symbol,
              last: toNullable(instance.last),
              lastFinal: toNullable(instance.lastFinal),
              lastFinalSeq: Number.isFinite(instance.lastFinalSeq) ? instance.lastFinalSeq : null,
            });
          }
        }
      }
    }
    return out;
  }

  restore(saved: readonly SeriesGroupSnapshot[]): void {
    for (const entry of saved) {
      const group = this.#byInterval.get(entry.interval)?.get(entry.symbol)?.get(entry.key);
      if (!group) {
        throw new NexuralError(
          'NXR_SCHEMA_INVALID',
          `alert snapshot: a series-rule state for ${entry.venue}:${entry.instanceSymbol} on ${entry.interval}, which no active rule has`,
          { path: ['seriesGroups'] },
        );
      }
      const instance = group.instanceFor(entry.venue, entry.instanceSymbol);
      fromNullable(instance.last, entry.last);
      fromNullable(instance.lastFinal, entry.lastFinal);
      instance.lastFinalSeq = entry.lastFinalSeq ?? Number.NEGATIVE_INFINITY;
    }
  }
}
