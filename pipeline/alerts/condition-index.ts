import type { BarCloseHistory } from './bar-close-history.js';
import { IntervalIndex } from './interval-index.js';
import { crosses, type MovingOperator, movement, movementReference } from './operators.js';
import type { RuleRuntime } from './rule-runtime.js';
import { type Gap, SortedEntries } from './sorted-entries.js';
import type { ThresholdValues } from './template.js';

/** A rule that holds on a point, and the value its event reports as `previous`. */
export interface Hit {
  readonly runtime: RuleRuntime;
  readonly previous: number | null;
  /** values of the series thresholds, for a rule that has some */
  readonly thresholds?: ThresholdValues;
}

/** Work counters: `rulesVisited` counts the rules whose condition was looked at, the cost the index bounds. */
export interface IndexStats {
  rulesVisited: number;
}

interface ThresholdEntry {
  readonly key: number;
  readonly id: string;
  readonly runtime: RuleRuntime;
}

interface ChannelEntry {
  readonly lower: number;
  readonly upper: number;
  readonly id: string;
  readonly runtime: RuleRuntime;
}

/** moving_* rules sharing operator and look-back, sorted by the move they ask for. */
interface MovingGroup {
  readonly operator: MovingOperator;
  readonly bars: number;
  readonly rules: SortedEntries<ThresholdEntry>;
}

/**
 * Gathers the hits of one point. One per engine, its visitors bound once, so evaluating a point allocates
 * no closures (the engine is synchronous: one point at a time).
 */
export class HitCollector {
  /**
   * The first `count` entries are the rules that hold and, beside each, the value its event reports as
   * previous: reused arrays (no object per hit; resetting a count is cheaper than truncating an array).
   */
  readonly rules: RuleRuntime[] = [];
  /** NaN when there is no previous value: numbers only, so the array stores unboxed doubles */
  readonly previous: number[] = [];
  count = 0;
  readonly stats: IndexStats;
  /** evaluation stamp, see RuleRuntime.visitEpoch */
  epoch = 0;
  /** the window value moving_* hits report as previous */
  reference = 0;
  #previous = Number.NaN;
  #current = 0;

  constructor(stats: IndexStats) {
    this.stats = stats;
  }

  /** Sets the move the next visits are about. */
  begin(previous: number, current: number): void {
    this.#previous = previous;
    this.#current = current;
  }

  /** Forgets the hits of the previous point. */
  clear(): void {
    this.count = 0;
  }

  #add(runtime: RuleRuntime, previous: number): void {
    this.rules[this.count] = runtime;
    this.previous[this.count] = previous;
    this.count++;
  }

  readonly holding = (entry: { readonly runtime: RuleRuntime }): void => {
    this.stats.rulesVisited++;
    this.#add(entry.runtime, this.#previous);
  };

  readonly crossing = (entry: { readonly runtime: RuleRuntime }): void => {
    this.stats.rulesVisited++;
    const runtime = entry.runtime;
    if (runtime.visitEpoch === this.epoch) return;
    runtime.visitEpoch = this.epoch;
    const previous = this.#previous;
    const condition = runtime.condition;
    if (condition !== null && crosses(condition, previous, this.#current)) {
      this.#add(runtime, previous);
    }
  };

  readonly moving = (entry: { readonly runtime: RuleRuntime }): void => {
    this.stats.rulesVisited++;
    this.#add(entry.runtime, this.reference);
  };
}

const EDGES = 1;
const ABOVE = 2;
const BELOW = 4;
const OUTSIDE = 8;
const INSIDE = 16;
const MOVING = 32;

const entry = (key: number, runtime: RuleRuntime): ThresholdEntry => ({ key, id: runtime.id, runtime });

/**
 * The rules of one (symbol or *, interval, series, evaluation mode), indexed so that a point costs
 * O(log n + rules that hold):
 * - crossings and channel enter/exit: thresholds (channel edges) in one sorted set; a move from previous
 *   to current visits only the thresholds between them, then checks the exact operator;
 * - greater_than / less_than: sorted by threshold, visit only the prefix below (suffix above) the value;
 * - outside_channel: by lower edge (value below it) and by upper edge (value above it);
 * - inside_channel: an interval tree, visiting only the channels that contain the value;
 * - moving_*: per (operator, N) group, one min/max lookup, then the prefix of rules whose move is reached.
 */
export class ConditionIndex {
  readonly #edges = new SortedEntries<ThresholdEntry>();
  readonly #above = new SortedEntries<ThresholdEntry>();
  readonly #below = new SortedEntries<ThresholdEntry>();
  readonly #outsideLower = new SortedEntries<ThresholdEntry>();
  readonly #outsideUpper = new SortedEntries<ThresholdEntry>();
  readonly #inside = new IntervalIndex<ChannelEntry>();
  readonly #moving = new Map<string, MovingGroup>();
  #size = 0;
  /**
   * Which structures hold rules, kept here so a point reads one object to learn which structures to search
   * (with rules spread over many symbols, each structure touched is a likely cache miss).
   */
  #present = 0;

  get size(): number {
    return this.#size;
  }

  add(runtime: RuleRuntime): void {
    const condition = runtime.condition;
    if (!condition)
      throw new Error(`rule ${runtime.id} has a series threshold: it belongs to a series group`);
    switch (condition.operator) {
      case 'crossing':
      case 'crossing_up':
      case 'crossing_down':
        this.#edges.insert(entry(condition.value, runtime));
        break;
      case 'entering_channel':
      case 'exiting_channel':
        this.#edges.insert(entry(condition.lower, runtime));
        this.#edges.insert(entry(condition.upper, runtime));
        break;
      case 'greater_than':
        this.#above.insert(entry(condition.value, runtime));
        break;
      case 'less_than':
        this.#below.insert(entry(condition.value, runtime));
        break;
      case 'inside_channel':
        this.#inside.insert({ lower: condition.lower, upper: condition.upper, id: runtime.id, runtime });
        break;
      case 'outside_channel':
        this.#outsideLower.insert(entry(condition.lower, runtime));
        this.#outsideUpper.insert(entry(condition.upper, runtime));
        break;
      case 'moving_up':
      case 'moving_down':
        this.#movingGroup(condition.operator, condition.bars, true)?.rules.insert(
          entry(condition.amount, runtime),
        );
        break;
      case 'moving_up_percent':
      case 'moving_down_percent':
        this.#movingGroup(condition.operator, condition.bars, true)?.rules.insert(
          entry(condition.percent, runtime),
        );
        break;
    }
    this.#size++;
    this.#refreshPresent();
  }

  remove(runtime: RuleRuntime): void {
    const condition = runtime.condition;
    if (!condition) return;
    const id = runtime.id;
    switch (condition.operator) {
      case 'crossing':
      case 'crossing_up':
      case 'crossing_down':
        this.#edges.remove(condition.value, id);
        break;
      case 'entering_channel':
      case 'exiting_channel':
        this.#edges.remove(condition.lower, id);
        this.#edges.remove(condition.upper, id);
        break;
      case 'greater_than':
        this.#above.remove(condition.value, id);
        break;
      case 'less_than':
        this.#below.remove(condition.value, id);
        break;
      case 'inside_channel':
        this.#inside.remove(condition.lower, id);
        break;
      case 'outside_channel':
        this.#outsideLower.remove(condition.lower, id);
        this.#outsideUpper.remove(condition.upper, id);
        break;
      case 'moving_up':
      case 'moving_down':
      case 'moving_up_percent':
      case 'moving_down_percent': {
        const group = this.#movingGroup(condition.operator, condition.bars, false);
        group?.rules.remove('amount' in condition ? condition.amount : condition.percent, id);
        if (group && group.rules.size === 0) this.#moving.delete(`${group.operator}:${group.bars}`);
        break;
      }
    }
    this.#size--;
    this.#refreshPresent();
  }

  #refreshPresent(): void {
    this.#present =
      (this.#edges.size > 0 ? EDGES : 0) |
      (this.#above.size > 0 ? ABOVE : 0) |
      (this.#below.size > 0 ? BELOW : 0) |
      (this.#outsideLower.size > 0 ? OUTSIDE : 0) |
      (this.#inside.size > 0 ? INSIDE : 0) |
      (this.#moving.size > 0 ? MOVING : 0);
  }

  /**
   * False when `collect` would find no rule holding for this move, decided without visiting a rule: no rules,
   * or crossing/channel-edge rules only and no edge between the two values. Other operators can hold on any
   * value, so they answer true.
   */
  mayHold(previous: number, current: number): boolean {
    const present = this.#present;
    if (present === 0) return false;
    if (present !== EDGES) return true;
    if (!(previous < current || previous > current)) return false;
    return this.#edges.hasKeyBetween(Math.min(previous, current), Math.max(previous, current));
  }

  /**
   * Narrows `gap` (see SortedEntries.narrowGap) to an open interval around `value` within which no value
   * makes `mayHold(value, ·)` true: the keys around it when only crossing/channel-edge rules are present.
   * False when there is none (other operators, or `value` on a key).
   */
  narrowQuietGap(value: number, gap: Gap): boolean {
    const present = this.#present;
    if (present === 0) return true;
    return present === EDGES && this.#edges.narrowGap(value, gap);
  }

  /**
   * Appends to the collector the rules whose condition holds for `current`, coming from `previous` (NaN when
   * the series has no previous value: numbers only, so hot fields hold unboxed doubles).
   */
  collect(previous: number, current: number, history: BarCloseHistory, collector: HitCollector): void {
    collector.begin(previous, current);
    const present = this.#present;
    if (present === 0) return;
    // NaN (no previous value) fails both comparisons below, so the first value crosses nothing.
    if (present & EDGES && (previous < current || previous > current)) {
      const low = Math.min(previous, current);
      const high = Math.max(previous, current);
      this.#edges.visitRange(low, true, high, true, collector.crossing);
    }
    const holding = collector.holding;
    if (present & ABOVE) this.#above.visitRange(Number.NEGATIVE_INFINITY, true, current, false, holding);
    if (present & BELOW) this.#below.visitRange(current, false, Number.POSITIVE_INFINITY, true, holding);
    if (present & OUTSIDE) {
      this.#outsideLower.visitRange(current, false, Number.POSITIVE_INFINITY, true, holding);
      this.#outsideUpper.visitRange(Number.NEGATIVE_INFINITY, true, current, false, holding);
    }
    if (present & INSIDE) this.#inside.stab(current, holding);
    if (!(present & MOVING)) return;
    for (const group of this.#moving.values()) {
      const window = history.extremes(group.bars);
      if (!window) continue;
      const moved = movement(group.operator, current, window);
      if (moved === null || !(moved >= group.rules.firstKey)) continue;
      collector.reference = movementReference(group.operator, window);
      group.rules.visitRange(Number.NEGATIVE_INFINITY, true, moved, true, collector.moving);
    }
  }

  #movingGroup(operator: MovingOperator, bars: number, create: boolean): MovingGroup | undefined {
    const key = `${operator}:${bars}`;
    let group = this.#moving.get(key);
    if (!group && create) {
      group = { operator, bars, rules: new SortedEntries() };
      this.#moving.set(key, group);
    }
    return group;
  }
}
