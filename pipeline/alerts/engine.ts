import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AlertRule } from '../../schemas/alert-rule.js';
import { NexuralError } from '../../schemas/errors.js';
import type { AlertEngineSnapshot, AlertSeriesSnapshot } from './alert-snapshot.js';
import { BarCloseHistory } from './bar-close-history.js';
import { type Hit, HitCollector, type IndexStats } from './condition-index.js';
import { firedEvent, stoppedEvent } from './events.js';
import { RuleBook } from './rule-book.js';
import {
  ParsedAlertRule,
  parseAlertRule,
  RuleRuntime,
  type RuleStatus,
  type StopReason,
} from './rule-runtime.js';
import { type AlertFrame, type FrameContext, SeriesRuleBooks } from './series-frames.js';
import { type IntrabarValue, PRICE_SERIES, type SeriesPoint } from './series-point.js';
import type { Gap } from './sorted-entries.js';

/** A series some active rule watches: compute it for `symbol` (or for every symbol when `*`). */
export interface Subscription {
  readonly symbol: string;
  readonly interval: string;
  readonly series: string;
}

export interface EngineStats extends IndexStats {
  points: number;
  /** series-threshold groups compared (one comparison each, whatever the number of rules in the group) */
  groupsCompared: number;
  fired: number;
  stopped: number;
}

export interface RuleState {
  readonly rule: AlertRule;
  readonly status: Exclude<RuleStatus, 'retired'>;
  readonly stopReason: StopReason | null;
}

/** What the engine remembers of one venue:symbol on one series. */
interface SeriesState {
  readonly venue: string;
  /** the same symbol on another venue (usually none: a short chain beats a second map lookup) */
  next: SeriesState | null;
  /** venue:symbol, the key of a rule's per-instance firing state */
  readonly instanceKey: string;
  /** last value and last bar-final value; NaN when none yet (a number field never allocates) */
  last: number;
  lastFinal: number;
  lastFinalOpenTime: number;
  /** with lastFinalOpenTime, the last final bar: activity bars may open in the same millisecond */
  lastFinalSeq: number;
  readonly closes: BarCloseHistory;
}

/** The books and series states of one (series, interval). */
interface SeriesGroup {
  readonly books: Map<string, RuleBook>;
  wildcard: RuleBook | null;
  /** symbol → state of its first venue, chained to the others */
  readonly states: Map<string, SeriesState>;
}

/** An IntrabarValue to reuse for every point of one venue:symbol series (see AlertEngine.intrabarProbe). */
export interface IntrabarProbe extends IntrabarValue {
  value: number;
  time: number;
}

/** Remembers where passQuietly found its series, valid while the subscription version is the same. */
class LinkedProbe implements IntrabarProbe {
  value = Number.NaN;
  time = Number.NaN;
  version = -1;
  group: SeriesGroup | undefined = undefined;
  own: RuleBook | undefined = undefined;
  state: SeriesState | undefined = undefined;
  /**
   * While the books are those of `gapEpoch` and the series' last value is still `gapFor`: no intrabar rule can
   * hold on a move from `gapFor` to any value strictly between `gapLow` and `gapHigh` (the thresholds around
   * it), so such a point passes quietly without searching the books.
   */
  gapEpoch = -1;
  gapFor = Number.NaN;
  gapLow = Number.NaN;
  gapHigh = Number.NaN;
  /**
   * The books' earliest expiry when the gap was found: a point up to it expires nothing without reading the
   * books (within one book epoch their earliest expiry only moves later).
   */
  gapUntil = Number.NaN;

  constructor(
    readonly venue: string,
    readonly symbol: string,
    readonly interval: string,
    readonly series: string,
  ) {}
}

const NO_EVENTS: readonly AlertEvent[] = Object.freeze([]);
const byRuleId = (a: { readonly id: string }, b: { readonly id: string }): number =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
const byHitRuleId = (a: Hit, b: Hit): number => byRuleId(a.runtime, b.runtime);

/**
 * The alert rules engine: pure, in-process, fed series points, returning alert events.
 *
 * Deterministic: the same rules and the same points in the same order give the same events in the same
 * order. For one point: first the `stopped`/`expired` events of rules whose expiry passed, in rule-id
 * order; then the firings in rule-id order, a rule's `stopped` event (fired_once, storm_guard) right where
 * its firing would be.
 */
export type { FrameContext } from './series-frames.js';

export class AlertEngine {
  readonly stats: EngineStats = { points: 0, rulesVisited: 0, groupsCompared: 0, fired: 0, stopped: 0 };
  readonly #runtimes = new Map<string, RuleRuntime>();
  /** series → interval → group */
  readonly #groups = new Map<string, Map<string, SeriesGroup>>();
  readonly #collector = new HitCollector(this.stats);
  readonly #seriesRules = new SeriesRuleBooks();
  /** scratch: the rules a frame's groups found holding */
  readonly #frameHolding: RuleRuntime[] = [];
  /** scratch for the rules expiring on one point */
  readonly #expired: RuleRuntime[] = [];
  #subscriptionVersion = 0;
  /** bumped whenever a rule enters or leaves a book (see LinkedProbe's gap) */
  #bookEpoch = 0;
  /** scratch for a probe's quiet gap */
  readonly #gap: Gap = { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY };

  constructor(rules: Iterable<unknown> = []) {
    for (const rule of rules) this.upsertRule(rule);
  }

  /**
   * Adds or replaces a rule (validated; throws NXR_RULE_INVALID). An identical rule is a no-op: its firing
   * state (once-per-bar marks, cooldown, storm guard count, stopped status) is kept. A changed rule starts
   * afresh; other rules are untouched. Returns the parsed rule (defaults applied). A ParsedAlertRule is
   * taken as it is (checked when it was made).
   */
  upsertRule(input: unknown): AlertRule {
    const parsed = input instanceof ParsedAlertRule ? input : new ParsedAlertRule(parseAlertRule(input));
    const { rule, template, canonical } = parsed;
    const existing = this.#runtimes.get(rule.id);
    if (existing?.canonical === canonical) return existing.rule;
    const runtime = new RuleRuntime(rule, template, canonical);
    if (existing) this.#retire(existing);
    this.#runtimes.set(rule.id, runtime);
    if (runtime.status === 'active') this.#attach(runtime);
    if (existing) this.#pruneStates(existing);
    return rule;
  }

  /** Removes a rule and its state; returns whether it existed. */
  removeRule(id: string): boolean {
    const existing = this.#runtimes.get(id);
    if (!existing) return false;
    this.#runtimes.delete(id);
    this.#retire(existing);
    this.#pruneStates(existing);
    return true;
  }

  ruleState(id: string): RuleState | undefined {
    const runtime = this.#runtimes.get(id);
    if (!runtime || runtime.status === 'retired') return undefined;
    return { rule: runtime.rule, status: runtime.status, stopReason: runtime.stopReason };
  }

  get ruleCount(): number {
    return this.#runtimes.size;
  }

  /**
   * Bumped whenever the set of subscriptions changes (or a series stops being closeOnly), so the composition
   * can cache what it computes.
   */
  get subscriptionVersion(): number {
    return this.#subscriptionVersion;
  }

  /**
   * Bumped whenever a rule is attached or detached, including a series-threshold rule joining an existing group
   * (which changes no subscription): SeriesState.lazySlots are checked again when it moves.
   */
  get bookEpoch(): number {
    return this.#bookEpoch;
  }

  /** Whether some active rule watches this series of this symbol (directly or through `*`), as source or threshold. */
  wants(symbol: string, interval: string, series: string): boolean {
    const group = this.#groups.get(series)?.get(interval);
    if (group !== undefined && (group.wildcard !== null || group.books.has(symbol))) return true;
    return this.#seriesRules.reads(symbol, interval, series);
  }

  /**
   * Whether a rule book holds this series of this symbol (directly or through `*`): when none does, `evaluate`
   * and `passQuietly` only count a point of it (series-threshold rules read it through frames). Changes only
   * with `subscriptionVersion`.
   */
  watchedByBook(symbol: string, interval: string, series: string): boolean {
    const group = this.#groups.get(series)?.get(interval);
    return group !== undefined && (group.wildcard !== null || group.books.has(symbol));
  }

  /** A point of a series no rule book holds (see watchedByBook): what `evaluate` does with it. */
  countPoint(): void {
    this.stats.points++;
  }

  /** `count` points as countPoint counts one. */
  countPoints(count: number): void {
    this.stats.points += count;
  }

  /**
   * Whether a forming bar's value of this series can only set its last value: every active rule watching it
   * for `symbol` (directly or through `*`) is a bar-close rule with no expiry, and no series-threshold rule
   * reads it. `subscriptionVersion` changes when this turns false.
   */
  closeOnly(symbol: string, interval: string, series: string): boolean {
    return (
      !this.#seriesRules.reads(symbol, interval, series) && this.booksCloseOnly(symbol, interval, series)
    );
  }

  /**
   * closeOnly without the series-threshold rules: every rule book holding this series for `symbol` holds only
   * bar-close rules with no expiry (a forming point of it only sets its last value: passQuietly passes it).
   */
  booksCloseOnly(symbol: string, interval: string, series: string): boolean {
    const group = this.#groups.get(series)?.get(interval);
    if (!group) return true;
    const own = group.books.get(symbol);
    return (own === undefined || own.closeOnly) && (group.wildcard === null || group.wildcard.closeOnly);
  }

  /** Every (symbol or *, interval, series) some active rule watches, sorted. */
  subscriptions(): Subscription[] {
    const out: Subscription[] = [];
    for (const [series, byInterval] of this.#groups) {
      for (const [interval, group] of byInterval) {
        if (group.wildcard) out.push({ symbol: '*', interval, series });
        for (const symbol of group.books.keys()) out.push({ symbol, interval, series });
      }
    }
    out.push(...this.#seriesRules.subscriptions());
    const key = (s: Subscription): string => `${s.series}\u0000${s.interval}\u0000${s.symbol}`;
    const unique = new Map(out.map((subscription) => [key(subscription), subscription]));
    return [...unique.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  /** Every rule with its firing state and every series state, as plain data (see alert-snapshot.ts). */
  snapshot(): AlertEngineSnapshot {
    const series: AlertSeriesSnapshot[] = [];
    for (const [name, byInterval] of this.#groups) {
      for (const [interval, group] of byInterval) {
        for (const [symbol, first] of group.states) {
          for (let state: SeriesState | null = first; state; state = state.next) {
            series.push({
              series: name,
              interval,
              symbol,
              venue: state.venue,
              last: Number.isNaN(state.last) ? null : state.last,
              lastFinal: Number.isNaN(state.lastFinal) ? null : state.lastFinal,
              lastFinalOpenTime: Number.isFinite(state.lastFinalOpenTime) ? state.lastFinalOpenTime : null,
              lastFinalSeq: state.lastFinalSeq,
              closes: state.closes.snapshot(),
            });
          }
        }
      }
    }
    return {
      rules: [...this.#runtimes.values()].map((runtime) => runtime.snapshot()),
      series,
      seriesGroups: this.#seriesRules.snapshot(),
    };
  }

  /** Loads a snapshot into this engine, which must hold no rule yet: it then continues where that one was. */
  restore(snapshot: AlertEngineSnapshot): void {
    if (this.#runtimes.size > 0) throw new Error('AlertEngine.restore: the engine already holds rules');
    for (const saved of snapshot.rules) {
      const { rule, template } = parseAlertRule(saved.rule);
      const runtime = new RuleRuntime(rule, template);
      runtime.restore(saved);
      this.#runtimes.set(rule.id, runtime);
      if (runtime.status === 'active') this.#attach(runtime);
    }
    for (const saved of snapshot.series) {
      const group = this.#groups.get(saved.series)?.get(saved.interval);
      if (!group) {
        throw new NexuralError(
          'NXR_SCHEMA_INVALID',
          `alert snapshot: a state for ${saved.venue}:${saved.symbol} on ${saved.series} ${saved.interval}, which no active rule watches`,
          { path: ['series'] },
        );
      }
      const state: SeriesState = {
        venue: saved.venue,
        next: null,
        instanceKey: `${saved.venue}:${saved.symbol}`,
        last: saved.last ?? Number.NaN,
        lastFinal: saved.lastFinal ?? Number.NaN,
        lastFinalOpenTime: saved.lastFinalOpenTime ?? Number.NEGATIVE_INFINITY,
        lastFinalSeq: saved.lastFinalSeq,
        closes: BarCloseHistory.restore(saved.closes),
      };
      // Venues chained in the snapshot's order, so a snapshot of the restored engine equals this one.
      let tail = group.states.get(saved.symbol);
      while (tail?.next) tail = tail.next;
      if (tail) tail.next = state;
      else group.states.set(saved.symbol, state);
    }
    this.#seriesRules.restore(snapshot.seriesGroups);
  }

  /** Evaluates one point against the rules watching its series; returns the events it causes. */
  evaluate(point: SeriesPoint): readonly AlertEvent[] {
    this.stats.points++;
    const group = this.#groups.get(point.series)?.get(point.interval);
    if (!group) return NO_EVENTS;
    const own = group.books.get(point.symbol);
    const wildcard = group.wildcard;
    if (!own && !wildcard) return NO_EVENTS;
    const value = point.value;
    if (!Number.isFinite(value)) {
      throw new NexuralError('NXR_BAD_VALUE', `series point value must be finite, got ${value}`, {
        path: ['value'],
        series: point.series,
        symbol: point.symbol,
      });
    }
    const state = this.#stateOf(group, point.venue, point.symbol);
    let events: AlertEvent[] | null = null;

    const expired = this.#expired;
    own?.collectExpired(point.time, expired);
    wildcard?.collectExpired(point.time, expired);
    if (expired.length > 0) {
      events = [];
      for (const runtime of expired.sort(byRuleId)) this.#stop(runtime, 'expired', point, events);
      expired.length = 0;
    }

    const collector = this.#collector;
    collector.epoch++;
    collector.clear();
    // A price point of trigger `bar` repeats the close the last trade already set: only bar-close rules see it.
    if (point.series !== PRICE_SERIES || point.trigger.kind === 'tick') {
      own?.intrabar.collect(state.last, value, state.closes, collector);
      wildcard?.intrabar.collect(state.last, value, state.closes, collector);
    }
    const { openTime, seq = 0 } = point.bar;
    const closes =
      point.bar.final &&
      (openTime > state.lastFinalOpenTime ||
        (openTime === state.lastFinalOpenTime && seq > state.lastFinalSeq));
    if (closes) {
      own?.close.collect(state.lastFinal, value, state.closes, collector);
      wildcard?.close.collect(state.lastFinal, value, state.closes, collector);
      state.lastFinal = value;
      state.lastFinalOpenTime = openTime;
      state.lastFinalSeq = seq;
      state.closes.push(value);
    }
    state.last = value;

    // Frequency and cooldown depend on the rule alone, so they filter before the (rarer) survivors are sorted.
    let admitted: Hit[] | null = null;
    const { rules, previous, count } = collector;
    for (let index = 0; index < count; index++) {
      const runtime = rules[index] as RuleRuntime;
      if (runtime.status !== 'active' || !runtime.admits(state.instanceKey, openTime, seq, point.time))
        continue;
      admitted ??= [];
      const before = previous[index] as number;
      admitted.push({ runtime, previous: Number.isNaN(before) ? null : before });
    }
    collector.clear();
    if (!admitted) return events ?? NO_EVENTS;
    events ??= [];
    if (admitted.length > 1) admitted.sort(byHitRuleId);
    for (const hit of admitted) this.#fire(hit, state.instanceKey, point, events);
    return events;
  }

  /**
   * The quiet case of `evaluate` for an intrabar point (a trade's price, or an indicator output on a forming
   * bar), decided without the point: when no rule expires by `time` and no intrabar rule can hold on the move
   * to `value`, records `value` as the series' last value, exactly as `evaluate` would, and returns true
   * (`evaluate` would have returned no event). Otherwise changes nothing and returns false: evaluate the
   * point. Lets a caller skip building points for the vast majority of trades, which cross nothing.
   */
  passQuietly(point: IntrabarValue): boolean {
    const linked = point instanceof LinkedProbe ? point : null;
    if (linked && linked.gapEpoch === this.#bookEpoch && linked.version === this.#subscriptionVersion) {
      // The common case: a trade inside the gap between the thresholds around the series' last value.
      const state = linked.state;
      const value = linked.value;
      if (
        state !== undefined &&
        state.last === linked.gapFor &&
        value > linked.gapLow &&
        value < linked.gapHigh &&
        linked.time <= linked.gapUntil
      ) {
        this.stats.points++;
        state.last = value;
        linked.gapFor = value;
        return true;
      }
    }
    if (linked && linked.version !== this.#subscriptionVersion) {
      // Books, groups and states are only created or dropped along with a version bump.
      linked.group = this.#groups.get(linked.series)?.get(linked.interval);
      linked.own = linked.group?.books.get(linked.symbol);
      linked.state = undefined;
      linked.version = this.#subscriptionVersion;
    }
    const group = linked ? linked.group : this.#groups.get(point.series)?.get(point.interval);
    const own = linked ? linked.own : group?.books.get(point.symbol);
    const wildcard = group ? group.wildcard : null;
    if (!group || (!own && !wildcard)) {
      this.stats.points++;
      return true;
    }
    const { value, time } = point;
    if (!Number.isFinite(value) || own?.expiresBefore(time) || wildcard?.expiresBefore(time)) return false;
    let state = linked?.state;
    if (!state) {
      state = this.#stateOf(group, point.venue, point.symbol);
      if (linked) linked.state = state;
    }
    const last = state.last;
    if (own?.intrabar.mayHold(last, value) || wildcard?.intrabar.mayHold(last, value)) return false;
    this.stats.points++;
    state.last = value;
    if (linked) this.#findGap(linked, own, wildcard, value);
    return true;
  }

  /** Sets the probe's quiet gap around `value`, the series' last value (see LinkedProbe). */
  #findGap(linked: LinkedProbe, own: RuleBook | undefined, wildcard: RuleBook | null, value: number): void {
    const gap = this.#gap;
    gap.low = Number.NEGATIVE_INFINITY;
    gap.high = Number.POSITIVE_INFINITY;
    if (
      (own === undefined || own.intrabar.narrowQuietGap(value, gap)) &&
      (wildcard === null || wildcard.intrabar.narrowQuietGap(value, gap))
    ) {
      linked.gapEpoch = this.#bookEpoch;
      linked.gapFor = value;
      linked.gapLow = gap.low;
      linked.gapHigh = gap.high;
      linked.gapUntil = Math.min(
        own === undefined ? Number.POSITIVE_INFINITY : own.nextExpiry,
        wildcard === null ? Number.POSITIVE_INFINITY : wildcard.nextExpiry,
      );
    } else linked.gapEpoch = -1;
  }

  /**
   * An IntrabarValue for one venue:symbol series, to fill and pass to passQuietly point after point: it
   * remembers where the series' rules and state are, so a point costs no lookup until the rules change.
   */
  intrabarProbe(venue: string, symbol: string, interval: string, series: string): IntrabarProbe {
    return new LinkedProbe(venue, symbol, interval, series);
  }

  /**
   * The series-threshold rules of a venue:symbol on an interval, as a frame whose cells the composition fills
   * on every bar update before `evaluateFrame`; null when no such rule applies. Ask again when
   * `subscriptionVersion` changes.
   */
  frameOf(venue: string, symbol: string, interval: string): AlertFrame | null {
    return this.#seriesRules.frameOf(venue, symbol, interval);
  }

  /**
   * Evaluates a frame's series-threshold rules once its cells hold the values of this bar update: intrabar
   * rules on a forming bar, bar-close rules on a final one; one comparison per group, then only the rules
   * whose operator holds. Returns the events (firings in rule-id order).
   */
  evaluateFrame(frame: AlertFrame, context: FrameContext): readonly AlertEvent[] {
    const { bar } = context;
    const admitted = frame.collectHits(context, this.stats, this.#frameHolding);
    if (!admitted) return NO_EVENTS;
    if (admitted.length > 1) admitted.sort(byHitRuleId);
    const events: AlertEvent[] = [];
    const instanceKey = `${frame.venue}:${frame.symbol}`;
    const tick = context.tick;
    const trigger: SeriesPoint['trigger'] = tick
      ? { kind: 'tick', tradeId: tick.tradeId, timeUs: tick.timeUs, price: tick.price }
      : { kind: 'bar', openTime: bar.openTime, final: bar.final, revision: bar.revision };
    for (const hit of admitted) {
      const point: SeriesPoint = {
        venue: frame.venue,
        symbol: frame.symbol,
        interval: frame.interval,
        series: hit.series,
        value: hit.value,
        bar,
        trigger,
        sourcePosition: context.sourcePosition,
        time: context.time,
      };
      this.#fire(hit, instanceKey, point, events);
    }
    return events;
  }

  #fire(hit: Hit, instanceKey: string, point: SeriesPoint, events: AlertEvent[]): void {
    const runtime = hit.runtime;
    if (runtime.stormGuardTrips(point.time)) {
      this.#stop(runtime, 'storm_guard', point, events);
      return;
    }
    runtime.recordFiring(instanceKey, point.bar.openTime, point.bar.seq ?? 0, point.time);
    this.stats.fired++;
    events.push(firedEvent(runtime, point, hit.previous, hit.thresholds));
    if (runtime.rule.frequency === 'once') this.#stop(runtime, 'fired_once', point, events);
  }

  #stop(runtime: RuleRuntime, reason: StopReason, point: SeriesPoint, events: AlertEvent[]): void {
    this.#detach(runtime);
    runtime.status = 'stopped';
    runtime.stopReason = reason;
    this.stats.stopped++;
    events.push(stoppedEvent(runtime, reason, point));
    this.#pruneStates(runtime);
  }

  #retire(runtime: RuleRuntime): void {
    if (runtime.status === 'active') this.#detach(runtime);
    runtime.status = 'retired';
  }

  #attach(runtime: RuleRuntime): void {
    this.#bookEpoch++;
    const interval = runtime.rule.interval;
    let byInterval = this.#groups.get(runtime.series);
    if (!byInterval) {
      byInterval = new Map();
      this.#groups.set(runtime.series, byInterval);
    }
    let group = byInterval.get(interval);
    if (!group) {
      group = { books: new Map(), wildcard: null, states: new Map() };
      byInterval.set(interval, group);
    }
    for (const symbol of runtime.symbols) {
      let book = symbol === '*' ? group.wildcard : group.books.get(symbol);
      if (!book) {
        book = new RuleBook();
        if (symbol === '*') group.wildcard = book;
        else group.books.set(symbol, book);
        this.#subscriptionVersion++;
      }
      const closeOnly = book.closeOnly;
      book.add(runtime);
      if (closeOnly && !book.closeOnly) this.#subscriptionVersion++; // see closeOnly()
    }
    if (!runtime.condition && this.#seriesRules.attach(runtime)) this.#subscriptionVersion++;
  }

  /** Takes the rule out of its books; drops a book when empty (series states are pruned separately). */
  #detach(runtime: RuleRuntime): void {
    this.#bookEpoch++;
    if (!runtime.condition && this.#seriesRules.detach(runtime)) this.#subscriptionVersion++;
    const group = this.#groups.get(runtime.series)?.get(runtime.rule.interval);
    if (!group) return;
    for (const symbol of runtime.symbols) {
      const book = symbol === '*' ? group.wildcard : group.books.get(symbol);
      if (!book) continue;
      book.remove(runtime);
      if (book.size > 0) continue;
      if (symbol === '*') group.wildcard = null;
      else group.books.delete(symbol);
      this.#subscriptionVersion++;
    }
  }

  /**
   * Forgets the series states no rule watches any more after `runtime` left, so a rule added later does not
   * see a crossing between a value from long ago and its first one.
   */
  #pruneStates(runtime: RuleRuntime): void {
    const byInterval = this.#groups.get(runtime.series);
    const group = byInterval?.get(runtime.rule.interval);
    if (!byInterval || !group) return;
    if (group.books.size === 0 && group.wildcard === null) {
      byInterval.delete(runtime.rule.interval);
      if (byInterval.size === 0) this.#groups.delete(runtime.series);
      return;
    }
    if (group.wildcard) return;
    for (const symbol of group.states.keys()) if (!group.books.has(symbol)) group.states.delete(symbol);
  }

  #stateOf(group: SeriesGroup, venue: string, symbol: string): SeriesState {
    const first = group.states.get(symbol);
    for (let state: SeriesState | null | undefined = first; state; state = state.next) {
      if (state.venue === venue) return state;
    }
    const state: SeriesState = {
      venue,
      next: first ?? null,
      instanceKey: `${venue}:${symbol}`,
      last: Number.NaN,
      lastFinal: Number.NaN,
      lastFinalOpenTime: Number.NEGATIVE_INFINITY,
      lastFinalSeq: 0,
      closes: new BarCloseHistory(),
    };
    group.states.set(symbol, state);
    return state;
  }
}
