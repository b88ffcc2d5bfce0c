import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { LogRecord, TopicPartition } from '../../../schemas/ports/stream-log.js';
import type { TradeTick } from '../../../schemas/tick.js';
import { symbolKey } from '../../../schemas/topics.js';
import type { EngineConfigInput } from '../../engine/engine-config.js';
import { MarketEngine } from '../../engine/market-engine.js';
import { DuplicateWindow } from '../dlq/duplicate-window.js';
import { type ParseOptions, parseOrDeadLetter } from '../dlq/parse-or-dead-letter.js';
import { BatchInput } from './batch-input.js';
import type { EngineCheckpoints } from './engine-checkpoints.js';
import { type BatchOutputs, OutputCollector } from './output-collector.js';
import type { PartitionCheckpoint } from './partition-checkpoint.js';
import { TicksAhead } from './ticks-ahead.js';

export interface PartitionTaskOptions {
  readonly source: TopicPartition;
  readonly engine: EngineConfigInput;
  readonly checkpoints: EngineCheckpoints;
  readonly duplicatesPerSymbol: number;
  /** a trade further ahead of its record's log time goes to the DLQ (NXR_FUTURE_TICK); undefined = no check */
  readonly maxFutureSkewMs?: number | undefined;
}

export interface ProcessedCounts {
  readonly ticks: number;
  readonly refused: number;
}

/** What a rule sync changed: the rules added or replaced (whose alerts are new), and whether any was removed. */
export interface RuleSync {
  readonly upserted: readonly string[];
  readonly removed: boolean;
}

/**
 * One input partition's whole processing state, pure (no I/O): raw records → ticks or dead letters →
 * the engine, driven by the partition's own event-time clock. Given the same checkpoint and the same
 * records it produces the same outputs, however the records are split into batches.
 */
export class PartitionTask {
  readonly source: TopicPartition;
  private readonly collector: OutputCollector;
  private readonly engine: MarketEngine;
  private readonly duplicates: DuplicateWindow;
  private readonly parseOptions: ParseOptions;
  private readonly ruleIds: Set<string>;
  /** `ruleIds` sorted for a checkpoint, kept until they change (thousands of ids: a sort per checkpoint) */
  private sortedRuleIds: readonly string[] | null = null;
  /** largest tick event time (ms), −∞ before the first (a number field: stored in place, not boxed per tick) */
  private maxEventMs: number;
  private advancedToMs: number | null;
  /** the record key the last venue and symbol make (a partition's records mostly repeat a few symbols) */
  private keyVenue = '';
  private keySymbol = '';
  private key = ':';
  private recordTimestamp = 0;
  /** the rest of a watermark advance across many symbols, run a step at a time by `catchUpStep()` */
  private catchUp: Generator<void, void, void> | null = null;
  private readonly maxFutureSkewUs: number;
  private readonly ticksAhead = new TicksAhead();

  private constructor(
    private readonly options: PartitionTaskOptions,
    collector: OutputCollector,
    engine: MarketEngine,
    duplicates: DuplicateWindow,
    checkpoint: PartitionCheckpoint | null,
  ) {
    this.source = options.source;
    this.collector = collector;
    this.engine = engine;
    this.duplicates = duplicates;
    // dead letters are stamped with the refused record's log time, not the wall clock: a re-run repeats them exactly
    // and a trade's time is judged against its record's log time: the wall clock when it was published,
    // which a replay copies and a restart re-reads, so the verdict never depends on when it is processed
    this.parseOptions = {
      duplicates,
      now: () => this.recordTimestamp,
      ...(options.maxFutureSkewMs === undefined ? {} : { maxFutureSkewMs: options.maxFutureSkewMs }),
    };
    this.maxFutureSkewUs = (options.maxFutureSkewMs ?? Number.POSITIVE_INFINITY) * 1000;
    this.ruleIds = new Set(checkpoint?.ruleIds ?? []);
    this.maxEventMs = checkpoint?.clock.maxEventMs ?? Number.NEGATIVE_INFINITY;
    this.advancedToMs = checkpoint?.clock.advancedToMs ?? null;
  }

  /** A fresh partition (nothing processed yet). */
  static create(options: PartitionTaskOptions): PartitionTask {
    const collector = new OutputCollector(options.source);
    const engine = new MarketEngine(options.engine, collector);
    return new PartitionTask(
      options,
      collector,
      engine,
      new DuplicateWindow(options.duplicatesPerSymbol),
      null,
    );
  }

  /** The partition as it was at `checkpoint.nextOffset`. */
  static restore(options: PartitionTaskOptions, checkpoint: PartitionCheckpoint): PartitionTask {
    const collector = new OutputCollector(options.source);
    const engine = options.checkpoints.restore(
      options.engine,
      collector,
      checkpoint.engine,
      checkpoint.rules,
    );
    const duplicates = DuplicateWindow.restore(checkpoint.duplicates);
    return new PartitionTask(options, collector, engine, duplicates, checkpoint);
  }

  /** Silent: outputs other than alerts are dropped (they were committed before a restart). */
  set silent(silent: boolean) {
    this.collector.silent = silent;
  }

  get silent(): boolean {
    return this.collector.silent;
  }

  /** Raw records in offset order; outputs accumulate until `take()`. */
  process(records: readonly LogRecord[] | BatchInput): ProcessedCounts {
    const input = records instanceof BatchInput ? records : BatchInput.ofRecords(records);
    let ticks = 0;
    let refused = 0;
    for (let from = 0; from < input.length; ) {
      const done = this.processSome(input, from, input.length);
      ticks += done.ticks;
      refused += done.refused;
      from = done.next;
      while (this.catchUpStep()) {}
    }
    this.releaseInput();
    return { ticks, refused };
  }

  /**
   * The caller is done with the input it last handed to `processSome` (its batch may be refilled): the task
   * keeps nothing of it but the last cause's offset. A no-op while a catch-up is unfinished.
   */
  releaseInput(): void {
    if (this.catchUp !== null) return;
    this.ticksAhead.release(Number.POSITIVE_INFINITY);
    this.collector.releaseInput();
  }

  /**
   * `records[from, end)` until one leaves a catch-up of the watermark unfinished (a jump in event time
   * across many symbols): `next` is the first record not processed, and `catchUpStep()` must be called
   * until it returns false before anything else. Same outputs as `process`, however it is cut.
   */
  processSome(input: BatchInput, from: number, end: number): ProcessedCounts & { next: number } {
    if (this.catchUp !== null) throw new Error('PartitionTask: a watermark catch-up is unfinished');
    let ticks = 0;
    let refused = 0;
    const { topic, partition } = this.source;
    const position = this.collector.causePosition;
    const ahead = this.ticksAhead;
    for (let runFrom = from; runFrom < end; ) {
      // a run of records scanned before the engine sees any (the scanner's code stays in cache); a run
      // stopped by a catch-up is kept for the next call, which starts inside it
      const runTo = ahead.scan(input, runFrom, end);
      for (let index = runFrom; index < runTo; index++) {
        const timestamp = input.timestamp(index);
        const key = input.key(index);
        this.recordTimestamp = timestamp;
        const fast = ahead.tick(index);
        let tick: TradeTick;
        if (
          fast !== undefined &&
          key === this.keyOf(fast.venue, fast.symbol) &&
          fast.timeUs - timestamp * 1000 <= this.maxFutureSkewUs &&
          !this.duplicates.remember(key, fast.tradeId, ahead.tradeIdNumber(index))
        ) {
          tick = fast;
        } else {
          // the full check gives the verdict and the reason (a duplicate stays a duplicate: remember is idempotent)
          const outcome = parseOrDeadLetter(
            {
              key,
              value: input.record(index).value,
              source: { topic, partition, offset: input.offset(index) },
            },
            this.parseOptions,
          );
          if (outcome.kind === 'dead-letter') {
            this.collector.deadLetter(outcome.deadLetter, timestamp);
            refused++;
            continue;
          }
          tick = outcome.tick;
        }
        ticks++;
        // whole, positive µs and ms (epochUsSchema): floors of divisions, which cost far less than V8's float remainder
        const ms = Math.floor(tick.timeUs / 1000);
        this.collector.cause(ms, input, index);
        this.engine.add(tick, position);
        if (ms > this.maxEventMs) this.maxEventMs = ms;
        // The partition's event time finalises quiet symbols' bars, a whole second at a time: a function of
        // the records alone, so replays and restarts finalise at the same tick.
        const second = Math.floor(ms / 1000) * 1000;
        if (this.advancedToMs === null || second > this.advancedToMs) {
          this.advancedToMs = second;
          this.collector.cause(second, input, index);
          const steps = this.engine.advanceWatermarkSteps(second, position);
          if (!steps.next().done) {
            this.catchUp = steps;
            return { ticks, refused, next: index + 1 };
          }
        }
      }
      runFrom = runTo;
    }
    ahead.release(end);
    return { ticks, refused, next: end };
  }

  private keyOf(venue: string, symbol: string): string {
    if (venue !== this.keyVenue || symbol !== this.keySymbol) {
      this.keyVenue = venue;
      this.keySymbol = symbol;
      this.key = symbolKey(venue, symbol);
    }
    return this.key;
  }

  /** Runs one step of an unfinished watermark catch-up; false once none is left. */
  catchUpStep(): boolean {
    if (this.catchUp === null) return false;
    if (this.catchUp.next().done) this.catchUp = null;
    return this.catchUp !== null;
  }

  /** Event time (ms) of the newest tick in the partition, null before the first. */
  get newestEventMs(): number | null {
    return this.maxEventMs === Number.NEGATIVE_INFINITY ? null : this.maxEventMs;
  }

  /** Wall-clock finalisation of quiet symbols (live mode option): not a function of the records. */
  advanceWatermark(ms: number): void {
    if (this.catchUp !== null) throw new Error('PartitionTask: a watermark catch-up is unfinished');
    if (this.advancedToMs !== null && ms <= this.advancedToMs) return;
    this.advancedToMs = ms;
    this.collector.cause(ms, null, 0);
    const steps = this.engine.advanceWatermarkSteps(ms, null);
    if (!steps.next().done) this.catchUp = steps;
  }

  take(): BatchOutputs {
    return this.collector.take();
  }

  /** The alerts the outputs hold from the `from`-th on, before `take()` hands them over with the rest. */
  alertsFrom(from: number): readonly AlertEvent[] {
    return this.collector.alertsFrom(from);
  }

  /**
   * Makes the engine hold exactly the rules of `rules` (by id); returns what changed. An identical rule keeps
   * its firing state and counts as unchanged, so a restart with its checkpoint's rules has no rule set to commit.
   */
  syncRules(rules: ReadonlyMap<string, unknown>): RuleSync {
    let removed = false;
    for (const id of [...this.ruleIds]) {
      if (!rules.has(id)) removed = this.removeRule(id) || removed;
    }
    const upserted: string[] = [];
    for (const [id, rule] of rules) if (this.upsertRule(id, rule)) upserted.push(id);
    return { upserted, removed };
  }

  /** Adds or replaces a rule; returns whether it changed (an identical rule is a no-op in the engine). */
  upsertRule(id: string, rule: unknown): boolean {
    const before = this.engine.alertEngine.ruleState(id)?.rule;
    const after = this.engine.upsertRule(rule);
    if (!this.ruleIds.has(id)) {
      this.ruleIds.add(id);
      this.sortedRuleIds = null;
    }
    return after !== before;
  }

  /** Removes a rule; returns whether the engine had it. */
  removeRule(id: string): boolean {
    if (this.ruleIds.delete(id)) this.sortedRuleIds = null;
    return this.engine.removeRule(id);
  }

  /** The state before the record at `nextOffset`, for the state topic; null if the engine has no snapshots. */
  private ruleIdsSorted(): readonly string[] {
    this.sortedRuleIds ??= [...this.ruleIds].sort();
    return this.sortedRuleIds;
  }

  checkpoint(nextOffset: string): PartitionCheckpoint | null {
    if (this.catchUp !== null) throw new Error('PartitionTask: a watermark catch-up is unfinished');
    const captured = this.options.checkpoints.capture(this.engine);
    if (captured === null) return null;
    return {
      version: 2,
      topic: this.source.topic,
      partition: this.source.partition,
      nextOffset,
      engine: captured.state,
      rules: captured.rules,
      duplicates: this.duplicates.snapshot(),
      clock: { maxEventMs: this.newestEventMs, advancedToMs: this.advancedToMs },
      ruleIds: this.ruleIdsSorted(),
    };
  }
}
