import type { AlertEvent } from '../../schemas/alert-event.js';
import { type AlertRule, alertRuleSchema } from '../../schemas/alert-rule.js';
import type { SourcePosition } from '../../schemas/dead-letter.js';
import { NexuralError } from '../../schemas/errors.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import type { TradeTick } from '../../schemas/tick.js';
import { describeIssues } from '../../schemas/validate.js';
import { AlertEngine, type FrameContext, type IntrabarProbe } from '../alerts/engine.js';
import { ParsedAlertRule, parseAlertRule } from '../alerts/rule-runtime.js';
import type { AlertFrame } from '../alerts/series-frames.js';
import { type AlertTrigger, PRICE_SERIES } from '../alerts/series-point.js';
import type { FrameCell } from '../alerts/series-rules.js';
import { BarAggregator } from '../bars/bar-aggregator.js';
import type { LateTick } from '../bars/bar-options.js';
import type { BarView } from '../bars/bar-state.js';
import { feedIndicator } from '../indicators/dispatch.js';
import type { BarInput, IndicatorResult } from '../indicators/indicator.js';
import { feedBlock, feedBlockInPlace } from '../indicators/indicator-block.js';
import { parseIndicatorSpec } from '../indicators/registry.js';
import { canonicalRule } from './canonical-rule.js';
import { type EngineConfig, type EngineConfigInput, engineConfigSchema } from './engine-config.js';
import type { EngineOutput } from './engine-output.js';
import { type EngineParts, type EngineSnapshot, restoreEngine, snapshotEngine } from './engine-snapshot.js';
import {
  type IndicatorSlot,
  type PlainSlots,
  SeriesState,
  type WatchedBarField,
  type WatchedOutput,
} from './series-state.js';
import { SubscriptionLookup } from './subscription-lookup.js';

/**
 * The whole engine, pure and in-process: trade ticks → bars (many intervals) → indicators → alert rules.
 * Live processors, replays, backtests and the CLI all run this class; its output is a deterministic
 * function of its config, its rules and the ticks in order.
 *
 * Indicators in `config.indicators` are computed for every symbol and interval on final bars and emitted.
 * Indicator series that an intrabar alert rule watches are also computed on every forming-bar update, so
 * those rules see them live; nothing else is computed on forming bars. (Series only bar-close rules watch are
 * computed on a forming bar only until warm, and when a snapshot or a rule change needs them: see catchUp.)
 */
export class MarketEngine {
  readonly config: EngineConfig;
  private readonly aggregator: BarAggregator;
  private readonly alerts = new AlertEngine();
  private readonly configured: readonly { spec: string; outputs: readonly string[] }[];
  private readonly lookup = new SubscriptionLookup();
  /** the configured interval labels, in config order: a scan of these few beats a Map lookup per bar */
  private readonly intervals: readonly string[];
  /** bars.liveUpdates: false, each activity bar is emitted once (final) */
  private readonly liveBars: boolean;
  /** venue → symbol → series per interval (in config order) */
  private readonly series = new Map<string, Map<string, SeriesState[]>>();
  private lastVenue = '';
  private lastSymbol = '';
  private lastSeries: SeriesState[] = [];
  private tick: TradeTick | null = null;
  private tickMs = 0;
  private position: SourcePosition | null = null;
  /** series whose `pending` is set (see catchUp) */
  private pendingCount = 0;
  /** settleLazy's scratch: the lazy cells' values at the last skipped update and at the one before */
  private lazyCurrent = new Float64Array(0);
  private lazyPrevious = new Float64Array(0);
  /** settleLazy's bar: the lazy slots read its close alone */
  private readonly lazyInput: { -readonly [K in keyof BarInput]: BarInput[K] } = {
    open: Number.NaN,
    high: Number.NaN,
    low: Number.NaN,
    close: Number.NaN,
    volume: Number.NaN,
    openTime: Number.NaN,
  };
  /** reused for every frame evaluation (the alert engine reads it during the call only) */
  private readonly frameContext: { -readonly [K in keyof FrameContext]: FrameContext[K] } = {
    bar: EMPTY_BAR,
    tick: null,
    sourcePosition: null,
    time: 0,
    barSeq: 0,
  };

  constructor(
    config: EngineConfigInput,
    private readonly output: EngineOutput,
    rules: Iterable<unknown> = [],
  ) {
    const parsed = engineConfigSchema.safeParse(config);
    if (!parsed.success) {
      throw new NexuralError('NXR_CONFIG_INVALID', `invalid engine config: ${describeIssues(parsed.error)}`);
    }
    this.config = parsed.data;
    this.configured = this.config.indicators.map((text) => {
      const { spec, outputs } = parseIndicatorSpec(text);
      return { spec, outputs };
    });
    this.intervals = this.config.bars.intervals;
    this.liveBars = this.config.bars.liveUpdates;
    this.aggregator = new BarAggregator(this.config.bars, {
      bar: (bar) => this.onBar(bar),
      late: (late) => this.onLate(late),
    });
    for (const rule of rules) this.upsertRule(rule);
  }

  /** One trade, in log order. `position` is where it was read (provenance of what it causes). */
  add(tick: TradeTick, position: SourcePosition | null = null): void {
    this.tick = tick;
    // A whole, positive µs count (epochUsSchema): its floor is the truncation `(t - t % 1000) / 1000` gave, and a
    // division costs far less than V8's remainder of two floats.
    this.tickMs = Math.floor(tick.timeUs / 1000);
    this.position = position;
    this.aggregator.add(tick);
    this.tick = null;
  }

  /** An external event-time clock (ms): finalizes bars of quiet symbols. */
  advanceWatermark(timeMs: number, position: SourcePosition | null = null): void {
    this.position = position;
    this.aggregator.advanceWatermark(timeMs);
  }

  /**
   * `advanceWatermark` in steps (see BarAggregator.advanceWatermarkSteps): a caller returns to the event
   * loop between them; no other call on this engine until they are done.
   */
  *advanceWatermarkSteps(
    timeMs: number,
    position: SourcePosition | null = null,
  ): Generator<void, void, void> {
    this.position = position;
    yield* this.aggregator.advanceWatermarkSteps(timeMs);
  }

  /** End of input: every remaining bar is emitted final. */
  flush(): void {
    this.position = null;
    this.aggregator.flush();
  }

  /**
   * Adds or replaces a rule while running; indicator specs of its source and series thresholds are
   * canonicalised (`rsi` → `rsi(14)`) and their outputs checked. A rule from `MarketEngine.prepareRule`
   * was checked then and goes in as it is.
   */
  upsertRule(input: unknown): AlertRule {
    const rule = input instanceof ParsedAlertRule ? input : MarketEngine.prepareRule(input);
    this.catchUp();
    return this.alerts.upsertRule(rule);
  }

  /**
   * A rule checked (schema, canonical indicator specs, template) once, for upserting into many engines:
   * a processor's partitions each hold every rule, and parsing it once per engine was most of what going
   * live cost. Throws NXR_RULE_INVALID as `upsertRule` does.
   */
  static prepareRule(input: unknown): ParsedAlertRule {
    const parsed = alertRuleSchema.safeParse(input);
    if (!parsed.success) {
      throw new NexuralError('NXR_RULE_INVALID', `invalid alert rule: ${describeIssues(parsed.error)}`);
    }
    return new ParsedAlertRule(parseAlertRule(canonicalRule(parsed.data)));
  }

  removeRule(id: string): boolean {
    this.catchUp();
    return this.alerts.removeRule(id);
  }

  get alertEngine(): AlertEngine {
    return this.alerts;
  }

  /**
   * Everything that decides this engine's future outputs, as one plain value (see engine-snapshot.ts).
   * Take it between calls, not from inside an output callback.
   */
  snapshot(): EngineSnapshot {
    this.catchUp();
    return snapshotEngine(this.parts());
  }

  /**
   * Computes the forming-bar values that bar-close-only indicator slots skipped (SeriesState.closeSlots), as
   * every forming update would have: the indicators and the alert series' last values are then what they
   * would be without the skip, for a snapshot or a rule change (a new intrabar rule starts from them).
   */
  private catchUp(): void {
    if (this.pendingCount === 0) return;
    const tick = this.tick;
    this.tick = null;
    for (const bySymbol of this.series.values()) {
      for (const list of bySymbol.values()) {
        for (const series of list) {
          const view = series.pending;
          if (view === null) continue;
          series.pending = null;
          this.pendingCount--;
          if (series.lazyStale) this.settleLazy(series);
          // the same bar, unchanged since the update skipped (it always is: a trade emits the bar it changes)
          if (
            view.final ||
            view.revision !== series.pendingRevision ||
            view.openTime !== series.currentOpenTime
          )
            continue;
          const slots = series.closeSlots;
          for (let i = 0; i < slots.length; i++)
            this.updateIndicator(series, slots[i] as IndicatorSlot, view);
        }
      }
    }
    this.tick = tick;
  }

  /**
   * An engine that continues exactly where the one that took `snapshot` stopped, rules included: its
   * outputs for the following ticks are those the original would have emitted. The config must be the
   * snapshot's (NXR_CONFIG_INVALID otherwise); a snapshot read from outside goes through
   * `parseEngineSnapshot` first.
   */
  static restore(config: EngineConfigInput, output: EngineOutput, snapshot: EngineSnapshot): MarketEngine {
    const engine = new MarketEngine(config, output);
    restoreEngine(engine.parts(), snapshot);
    return engine;
  }

  private parts(): EngineParts {
    return { config: this.config, aggregator: this.aggregator, alerts: this.alerts, series: this.series };
  }

  private onLate(late: LateTick): void {
    this.output.late(late, this.position);
  }

  /**
   * One bar update. A series computes its indicators and evaluates its rules on its bars in order, each bar's
   * final update before the next bar's first: with `allowedLatenessMs` > 0 a time bar turns final only after
   * the next one opened, and the next bar waits until then (it is emitted, nothing is computed on it). So a
   * forming value is never built on an older bar that may still change: while bar N is open, its late trades
   * are what the forming values and intrabar rules see, and bar N+1's are first computed, on bar N's final
   * indicators, at its first update once bar N is final (after at most the lateness in event time) — its
   * trades until then are in that update's bar, but an intrabar price rule sees only the prices of the trades
   * it is computed at. With no lateness nothing ever waits.
   */
  private onBar(view: BarView): void {
    // Only this engine's aggregator calls here, and only seriesOf sets a bar state's sinkState.
    const known = view.sinkState as SeriesState | null;
    const series = known === null ? this.seriesOf(view) : known;
    if (series.version !== this.alerts.subscriptionVersion) this.refresh(series);
    // The view's times are getters on its block: read once.
    const openTime = view.openTime;
    const seriesOpenTime = series.currentOpenTime;
    let current = openTime === seriesOpenTime;
    // Activity bars come one at a time, in arrival order: a bar's first emission is a new bar, and an out-of-order
    // trade may move the current bar's open time before the bar before it.
    const newer = series.timeBars
      ? openTime > seriesOpenTime || (view.revision === 0 && current)
      : view.revision === 0 || !this.liveBars;
    if (newer) {
      // A newer bar. The series takes bars in order: with a lateness, a time bar opening past the watermark has an
      // older bar still open, or one a trade within the lateness can still open (before the series' first bar, in
      // a gap), whose final update comes first (its indicators and bar-close rules). Until then this bar is only
      // emitted (see onBar's doc).
      if (series.timeBars && !view.final && view.watermarkUs < openTime * 1000) {
        this.emitBar(series, view);
        return;
      }
      series.seq++;
      series.currentOpenTime = openTime;
      current = true;
    } else if (!series.timeBars) {
      series.currentOpenTime = openTime;
      current = true;
    }
    this.emitBar(series, view);
    if (!current) return; // a late revision of an older bar: bars are revised, indicators are not
    if (series.formingIdle && !view.final) return;

    const tick = this.tick;
    const own = tick !== null && this.tickMs >= openTime && this.tickMs <= view.closeTime;
    if (series.priceCell) series.priceCell.value = own && tick ? tick.price : view.close;
    if (series.priceWanted && own && tick) {
      const priceProbe = series.priceProbe;
      if (priceProbe === null) this.alerts.countPoint();
      else if (!this.passesQuietly(view, priceProbe, tick.price)) {
        this.evaluate(view, PRICE_SERIES, tick.price, {
          kind: 'tick',
          tradeId: tick.tradeId,
          timeUs: tick.timeUs,
          price: tick.price,
        });
      }
    }
    // Forming bars update only the indicators intrabar rules watch; a final bar updates every one, in slot order.
    if (view.final) {
      if (series.pending !== null) {
        series.pending = null;
        this.pendingCount--;
      }
      if (series.lazyStale) this.settleLazy(series);
      series.lazySeq = -1;
    } else if (series.closeSlots.length > 0 || series.lazySlots.length > 0) {
      if (series.pending === null) this.pendingCount++;
      series.pending = view;
      series.pendingRevision = view.revision;
      if (series.lazySlots.length > 0) this.formingLazy(series, view);
    }
    const plain = series.plain;
    if (view.final && plain !== null) this.finalPlain(series, plain, view);
    else {
      const slots = view.final ? series.slots : series.watchedSlots;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        if (slot) this.updateIndicator(series, slot, view);
      }
    }
    if (!view.final && !series.closeSlotsWarm) {
      const closeSlots = series.closeSlots;
      let warm = true;
      for (let i = 0; i < closeSlots.length; i++) {
        const slot = closeSlots[i] as IndicatorSlot;
        if (!slot.warm && slot.coldSeq !== series.seq) this.warmUp(series, slot, view);
        warm &&= slot.warm;
      }
      series.closeSlotsWarm = warm;
    }
    const barProbes = series.barProbes;
    for (let i = 0; i < barProbes.length; i++) {
      const { field, series: name, probe, cell } = barProbes[i] as WatchedBarField;
      const value = view[field];
      if (cell) cell.value = value;
      this.point(view, probe, name, value);
    }
    if (series.priceWanted && view.final) this.evaluate(view, PRICE_SERIES, view.close, barTrigger(view));
    if (series.frame) this.evaluateFrame(series, series.frame, view, own ? tick : null);
  }

  /** The series-threshold rules, once every series of this bar update is computed. */
  private evaluateFrame(series: SeriesState, frame: AlertFrame, view: BarView, tick: TradeTick | null): void {
    const context = this.frameContext;
    context.bar = view;
    context.tick = tick;
    context.sourcePosition = this.position;
    context.time = this.tick ? this.tickMs : view.closeTime;
    context.barSeq = series.seq;
    const events = this.alerts.evaluateFrame(frame, context);
    for (let i = 0; i < events.length; i++) this.output.alert(events[i] as AlertEvent);
  }

  /**
   * A forming-bar point that no rule can fire on only moves its series on (see AlertEngine.passQuietly), so
   * most trades build no point. Final points always go through `evaluate`: they also feed bar-close rules.
   */
  private passesQuietly(view: BarView, probe: IntrabarProbe, value: number): boolean {
    if (view.final) return false;
    probe.value = value;
    probe.time = this.tick ? this.tickMs : view.closeTime;
    return this.alerts.passQuietly(probe);
  }

  /**
   * A bar update's value of a watched series (an indicator output, a bar field): a series no rule book watches
   * (only a frame's cell reads it) has no probe, and its point is only counted, as `evaluate` would.
   */
  private point(view: BarView, probe: IntrabarProbe | null, name: string, value: number): void {
    if (probe === null) this.alerts.countPoint();
    else if (!this.passesQuietly(view, probe, value)) this.evaluate(view, name, value, barTrigger(view));
  }

  private emitBar(series: SeriesState, view: BarView): void {
    const throttle = this.config.liveBarThrottleMs;
    if (!view.final) {
      if (throttle < 0) return;
      const at = this.tick ? this.tickMs : view.closeTime;
      if (throttle > 0 && view.revision !== 0 && at - series.lastLiveEmitMs < throttle) return;
      series.lastLiveEmitMs = at;
    }
    this.output.bar(view, this.position);
  }

  /**
   * A bar-close-only slot on a bar's first forming update until each watched output had a value
   * (IndicatorSlot.warm, coldSeq).
   */
  private warmUp(series: SeriesState, slot: IndicatorSlot, view: BarView): void {
    this.updateIndicator(series, slot, view);
    const watched = slot.watched;
    for (let i = 0; i < watched.length; i++) {
      if (!(watched[i] as WatchedOutput).seen) {
        slot.coldSeq = series.seq;
        return;
      }
    }
    slot.warm = true;
  }

  private updateIndicator(series: SeriesState, slot: IndicatorSlot, view: BarView): void {
    const replacing = slot.seq === series.seq;
    slot.seq = series.seq;
    if (slot.indicator === null && !(view.final && slot.emitted)) {
      this.readBlockSlot(series, slot, view, replacing);
      return;
    }
    const result =
      slot.indicator === null
        ? feedBlock(slot.kind, series.block, slot.at, view, replacing)
        : feedIndicator(slot.indicator, slot.kind, view, replacing);
    if (result === null) {
      clearCells(slot.watched);
      return;
    }
    if (view.final && slot.emitted)
      this.output.indicator(indicatorValue(view, slot.spec, result), this.position);
    const watched = slot.watched;
    for (let i = 0; i < watched.length; i++) {
      const entry = watched[i] as WatchedOutput;
      const { output, series: name, probe, cell } = entry;
      // A single-output result is read as its `value` output without building the object on forming bars.
      const value = typeof result === 'number' ? (output === 'value' ? result : undefined) : result[output];
      if (cell) cell.value = value ?? Number.NaN;
      if (value === undefined) continue;
      entry.seen = true;
      this.point(view, probe, name, value);
    }
  }

  /**
   * A final bar's indicators when no rule watches any (SeriesState.plain): what updateIndicator does for each
   * slot in order, read from the shared layout instead of the series' slot objects.
   */
  private finalPlain(series: SeriesState, plain: PlainSlots, view: BarView): void {
    const replacing = series.plainSeq === series.seq;
    series.plainSeq = series.seq;
    const { kinds, ats, specs } = plain;
    const block = series.block;
    for (let i = 0; i < kinds.length; i++) {
      const result = feedBlock(kinds[i] as number, block, ats[i] as number, view, replacing);
      if (result !== null)
        this.output.indicator(indicatorValue(view, specs[i] as string, result), this.position);
    }
  }

  /**
   * `updateIndicator` for a block slot whose value is only read, not emitted (every forming bar): the same
   * values and points, without the result object MACD and the bands would build for it.
   */
  private readBlockSlot(series: SeriesState, slot: IndicatorSlot, view: BarView, replacing: boolean): void {
    const { block } = series;
    const at = slot.at;
    if (!feedBlockInPlace(slot.kind, block, at, view, replacing)) {
      clearCells(slot.watched);
      return;
    }
    // read before any point is evaluated, as the result object was
    const first = block[at + 1] as number;
    const second = block[at + 2] as number;
    const third = block[at + 3] as number;
    const watched = slot.watched;
    for (let i = 0; i < watched.length; i++) {
      const entry = watched[i] as WatchedOutput;
      const { series: name, probe, cell } = entry;
      const index = entry.outputSlot;
      const value = index === 0 ? first : index === 1 ? second : index === 2 ? third : undefined;
      if (cell) cell.value = value ?? Number.NaN;
      if (value === undefined) continue;
      entry.seen = true;
      this.point(view, probe, name, value);
    }
  }

  private evaluate(view: BarView, series: string, value: number, trigger: AlertTrigger): void {
    const events = this.alerts.evaluate({
      venue: view.venue,
      symbol: view.symbol,
      interval: view.interval,
      series,
      value,
      // The view itself: the alert engine reads the bar during the call only, and events do not keep it.
      bar: view,
      trigger,
      sourcePosition: this.position,
      time: this.tick ? this.tickMs : view.closeTime,
    });
    for (let i = 0; i < events.length; i++) this.output.alert(events[i] as AlertEvent);
  }

  /** The series of a bar state met for the first time; the bar state then carries it (BarView.sinkState). */
  private seriesOf(view: BarView): SeriesState {
    if (view.symbol !== this.lastSymbol || view.venue !== this.lastVenue) {
      let bySymbol = this.series.get(view.venue);
      if (!bySymbol) {
        bySymbol = new Map();
        this.series.set(view.venue, bySymbol);
      }
      let list = bySymbol.get(view.symbol);
      if (!list) {
        list = SeriesState.forSymbol(view.venue, view.symbol, this.intervals, this.configured);
        bySymbol.set(view.symbol, list);
      }
      this.lastVenue = view.venue;
      this.lastSymbol = view.symbol;
      this.lastSeries = list;
    }
    const series = this.lastSeries[this.intervals.indexOf(view.interval)];
    if (!series) throw new Error(`MarketEngine: bar of unconfigured interval ${view.interval}`);
    view.sinkState = series;
    return series;
  }

  /**
   * A forming update of a series with lazy slots (SeriesState.lazySlots): computed on the bar's first one, the
   * others note their close and count the points computing them would have counted.
   */
  private formingLazy(series: SeriesState, view: BarView): void {
    if (series.lazyEpoch !== this.alerts.bookEpoch) {
      series.lazyEpoch = this.alerts.bookEpoch;
      const frame = series.frame;
      if (frame !== null && series.lazyCells.some((cell) => frame.readsIntrabar(cell))) {
        if (series.lazyStale) this.settleLazy(series);
        series.dropLazy(); // the watched slots below now include them
        return;
      }
    }
    if (series.lazySeq === series.seq) {
      const closes = series.lazyCloses;
      closes[1] = closes[0] as number;
      closes[0] = view.close;
      closes[2] = this.tick ? this.tickMs : view.closeTime;
      series.lazyStaleBefore = series.lazyStale;
      series.lazyStale = true;
      this.alerts.countPoints(series.lazyPoints);
      return;
    }
    if (series.lazyStale) this.settleLazy(series);
    const points = this.alerts.stats.points;
    const slots = series.lazySlots;
    for (let i = 0; i < slots.length; i++) this.updateIndicator(series, slots[i] as IndicatorSlot, view);
    series.lazyPoints = this.alerts.stats.points - points;
    series.lazySeq = series.seq;
  }

  /**
   * Computes the lazy slots at the closes their forming updates skipped (the one before the last first, when
   * it skipped them too: a pair's third value can come from it), leaves them and their cells at the last, and
   * has the frame store what those updates' evaluations stored from the cells (AlertFrame.settleLazy). Every
   * skipped update replaced the bar the slots last took, so each is a replace.
   */
  private settleLazy(series: SeriesState): void {
    const cells = series.lazyCells;
    if (this.lazyCurrent.length < cells.length) {
      this.lazyCurrent = new Float64Array(cells.length);
      this.lazyPrevious = new Float64Array(cells.length);
    }
    const current = this.lazyCurrent;
    const previous = this.lazyPrevious;
    const before = series.lazyStaleBefore;
    const closes = series.lazyCloses;
    const input = this.lazyInput;
    const slots = series.lazySlots;
    let index = 0;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as IndicatorSlot;
      if (before) {
        input.close = closes[1] as number;
        readLazy(slot, series.block, input, previous, index);
      }
      input.close = closes[0] as number;
      const has = readLazy(slot, series.block, input, current, index);
      const watched = slot.watched;
      for (let w = 0; w < watched.length; w++) {
        const { probe, outputSlot, series: name } = watched[w] as WatchedOutput;
        const value = current[index + w] as number;
        (cells[index + w] as FrameCell).value = value;
        if (probe !== null && has && outputSlot >= 0 && outputSlot <= 2)
          this.settlePoint(series, probe, name, value, closes[2] as number);
      }
      index += watched.length;
    }
    series.frame?.settleLazy(current, previous, before);
    series.lazyStale = false;
    series.lazyStaleBefore = false;
  }

  /**
   * The point of a skipped update's output that a rule book holds (only bar-close rules without expiry: see
   * SeriesState.lazySlots): only its last value is kept, as the skipped points' passQuietly would have left it;
   * they were counted when skipped. A point passQuietly refuses (a value that is not finite) goes to evaluate,
   * which refuses it as it would have at the skipped update.
   */
  private settlePoint(
    series: SeriesState,
    probe: IntrabarProbe,
    name: string,
    value: number,
    time: number,
  ): void {
    probe.value = value;
    probe.time = time;
    if (this.alerts.passQuietly(probe)) {
      this.alerts.countPoints(-1);
      return;
    }
    const events = this.alerts.evaluate({
      venue: series.venue,
      symbol: series.symbol,
      interval: series.interval,
      series: name,
      value,
      bar: EMPTY_BAR,
      trigger: { kind: 'bar', openTime: EMPTY_BAR.openTime, final: false, revision: 0 },
      sourcePosition: this.position,
      time,
    });
    for (let i = 0; i < events.length; i++) this.output.alert(events[i] as AlertEvent);
  }

  /** Re-reads which series the rules watch for this symbol/interval after a rule change. */
  private refresh(series: SeriesState): void {
    // the frame and the lazy slots change: what the old ones skipped is settled first
    if (series.lazyStale) this.settleLazy(series);
    this.lookup.update(this.alerts);
    const { venue, symbol, interval } = series;
    series.applyWanted(
      this.lookup.wanted(symbol, interval),
      (name) =>
        this.alerts.watchedByBook(symbol, interval, name)
          ? this.alerts.intrabarProbe(venue, symbol, interval, name)
          : null,
      this.alerts.frameOf(venue, symbol, interval),
      (name) => this.alerts.closeOnly(symbol, interval, name),
      (name) => this.alerts.booksCloseOnly(symbol, interval, name),
    );
    series.version = this.alerts.subscriptionVersion;
    series.lazyEpoch = this.alerts.bookEpoch;
  }
}

const EMPTY_BAR = {
  openTime: 0,
  final: false,
  revision: 0,
  open: 0,
  high: 0,
  low: 0,
  close: 0,
  volume: 0,
} as const;

const barTrigger = (view: BarView): AlertTrigger =>
  ({ kind: 'bar', openTime: view.openTime, final: view.final, revision: view.revision }) as const;

/**
 * A final bar's indicator value, built as one literal of either shape (no spread of a temporary object: one of
 * these is emitted per indicator per final bar). Keys in schema order, `seq` only when not 0.
 */
const indicatorValue = (view: BarView, spec: string, result: IndicatorResult): IndicatorValue => {
  const outputs = typeof result === 'number' ? { value: result } : result;
  const { venue, symbol, interval, openTime, seq } = view;
  return seq === 0
    ? { venue, symbol, interval, openTime, spec, outputs, final: true }
    : { venue, symbol, interval, openTime, seq, spec, outputs, final: true };
};

/**
 * A lazy slot replaced by `bar` (see MarketEngine.settleLazy): its watched outputs' values into `out` from
 * `index`, NaN for one it has no value of, as readBlockSlot writes them into their cells.
 */
function readLazy(
  slot: IndicatorSlot,
  block: Float64Array,
  bar: BarInput,
  out: Float64Array,
  index: number,
): boolean {
  const has = feedBlockInPlace(slot.kind, block, slot.at, bar, true);
  const watched = slot.watched;
  for (let i = 0; i < watched.length; i++) {
    const place = (watched[i] as WatchedOutput).outputSlot;
    out[index + i] = has && place >= 0 && place <= 2 ? (block[slot.at + 1 + place] as number) : Number.NaN;
  }
  return has;
}

/** A slot's watched outputs have no value (not warm yet): the frames read NaN. */
function clearCells(watched: readonly WatchedOutput[]): void {
  for (let i = 0; i < watched.length; i++) {
    const cell = (watched[i] as WatchedOutput).cell;
    if (cell) cell.value = Number.NaN;
  }
}
