import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { RecordBatch, TopicPartition } from '../../../schemas/ports/stream-log.js';
import type { RuleChange } from './alert-rules-table.js';
import { BatchInput } from './batch-input.js';
import type { DerivedSerdes } from './encode-outputs.js';
import { emptyOutputs } from './output-collector.js';
import type { PartitionCheckpoint } from './partition-checkpoint.js';
import type { Committer } from './partition-committer.js';
import type { PartitionTask, ProcessedCounts, RuleSync } from './partition-task.js';
import type { ProcessorConfig } from './processor-config.js';
import type { ProcessorStats } from './processor-stats.js';

/** A partition whose newest tick is older than this is replaying history: no wall-clock finalisation. */
const HISTORY_MS = 3_600_000;

/**
 * Records processed between two returns to the event loop. A record costs a bounded amount of work (a jump
 * in event time at most symbols × intervals × maxFlatBars bars), so a batch never holds the loop for long:
 * signals, timers, the group heartbeat and other partitions run in between.
 */
const RECORDS_PER_SLICE = 1000;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * How far into its checkpoint interval a partition starts once live, as a fraction: partitions go live
 * together, and with the same interval all their periodic checkpoints then fell due in the same second
 * (6 × capture, serialise and transaction back to back). Spread by partition number (golden-ratio steps,
 * even for any partition count); when a checkpoint is taken changes no output.
 */
const checkpointPhase = (partition: number): number => (partition * 0.618_033_988_75) % 1;

/** Processed-but-uncommitted input records at which a batch waits for the transaction in flight. */
const MAX_UNCOMMITTED_RECORDS = 200_000;

/** A batch's first live record: where its checkpoint or rule set stands. */
interface InputPosition {
  readonly offset: string;
  readonly timestamp: number;
}

/** What every owned partition shares with its processor. */
export interface PartitionContext {
  readonly groupId: string;
  readonly stateTopic: string;
  readonly serdes: DerivedSerdes;
  readonly config: ProcessorConfig;
  readonly stats: ProcessorStats;
  readonly now: () => number;
  /** the valid alert rules right now (applied when a partition goes live) */
  readonly rules: () => ReadonlyMap<string, unknown>;
  /** hands alerts to the fan-out, in order, after their transaction committed */
  readonly publish: (alerts: readonly AlertEvent[]) => void;
  /** a commit failed: the processor rebuilds the partition from the last commit */
  readonly commitFailed: (source: TopicPartition, error: Error) => void;
  readonly publishAfterCommit: boolean;
  readonly commitIntervalMs: number;
}

export interface Resume {
  /** first offset the task has not applied (null: from wherever the consumer starts) */
  readonly nextOffset: bigint | null;
  /** records below this offset were committed before: re-processed silently */
  readonly silentUntil: bigint;
  /** nextOffset of the checkpoint in the state topic, null if none */
  readonly checkpointOffset: string | null;
  /** no offset committed for the group: nothing of the partition was processed before (nextOffset: its start) */
  readonly fresh?: boolean;
}

/**
 * An input partition this processor owns: its task, and the consume-transform-produce loop over it. Each
 * live batch is processed at once; its outputs, progress (and every so often the partition's checkpoint)
 * and consumed offset are committed by its committer: in a transaction of its own, whose transactional id
 * is the partition's, so whoever owns the partition next fences this one; or in the processor's shared
 * rounds, fenced by the group generation the partition was assigned in.
 */
export class OwnedPartition {
  lag = 0;
  private readonly committer: Committer;
  private readonly pendingRules: RuleChange[] = [];
  private live = false;
  private nextOffset: bigint | null;
  private readonly silentUntil: bigint;
  private checkpointTaken: boolean;
  /** restored from a checkpoint: its rules were the previous owner's for everything it left uncommitted */
  private readonly restored: boolean;
  private readonly fresh: boolean;
  /** at-once, fresh: a rule set was committed before the first record (`commitRulesFirst`) */
  private rulesCommittedFirst = false;
  /** at-once: the checkpoint's rules hold until this offset (the log end seen on going live), then the current ones */
  private holdRulesUntil: bigint | null = null;
  private recordsSinceCheckpoint = 0;
  private lastCheckpointAt: number;
  /** the next checkpoint is the one of going live: the interval after it starts at the partition's phase */
  private goingLive = true;
  private lastInputAt: number;
  private queue: Promise<void> = Promise.resolve();
  private abandoned = false;
  /** a catch-up was left unfinished by `abandon()`: the task is mid-record, nothing more is done or committed */
  private cut = false;
  /**
   * At-once: alerts of rules added or replaced by a rule set whose transaction has not committed yet,
   * published (in order) once it has; null when no rule commit is in flight.
   */
  private heldAlerts: AlertEvent[] | null = null;
  /** the rules whose alerts are held: added or replaced since the last committed rule set */
  private readonly heldRules = new Set<string>();
  /** the rule commits enqueued so far: only the latest one's commit releases the held alerts */
  private ruleCommitsEnqueued = 0;
  /** when rule changes last took effect here (context.now()) */
  private rulesChangedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly context: PartitionContext,
    readonly task: PartitionTask,
    /** commits this partition's work: its own transactions, or its part of the processor's rounds */
    commit: (checkpointOffset: string | null) => Committer,
    resume: Resume,
  ) {
    this.committer = commit(resume.checkpointOffset);
    this.nextOffset = resume.nextOffset;
    this.silentUntil = resume.silentUntil;
    this.checkpointTaken = resume.checkpointOffset !== null;
    this.restored = resume.checkpointOffset !== null;
    this.fresh = resume.fresh === true;
    this.lastCheckpointAt = context.now();
    this.lastInputAt = context.now();
  }

  /** Another owner took the partition over: drop it. */
  get fenced(): boolean {
    return this.committer.fenced;
  }

  /** Why committing stopped (the processor is rebuilding this partition), if it did. */
  get commitFailure(): Error | null {
    return this.committer.failed;
  }

  /** A rule change, applied before the next live batch (and checkpointed with it). */
  ruleChanged(change: RuleChange): void {
    if (this.live) this.pendingRules.push(change);
  }

  /**
   * At-once, a fresh partition (nothing of it processed before): commits its rule set, with the empty state
   * and its start offset, before it reads a record, so no alert of it waits for that transaction (it used to
   * be the going-live batch's, holding the first 0.4–1 s of alerts of a new deployment). A new owner after a
   * crash restores this checkpoint's rules, as it would the going-live batch's. Rules that change meanwhile
   * are applied on going live (the processor hands changes only to installed partitions). False if the
   * commit failed or another owner fenced this one; true at once where there is nothing to commit first.
   */
  async commitRulesFirst(): Promise<boolean> {
    if (this.context.publishAfterCommit || !this.fresh || this.live || this.nextOffset === null) return true;
    const { stats } = this.context;
    this.task.syncRules(this.context.rules());
    const offset = String(this.nextOffset);
    this.committer.enqueue({
      outputs: emptyOutputs(),
      checkpoint: this.takeCheckpoint(offset),
      nextOffset: offset,
      stateTime: this.context.now(),
      inputRecords: 0,
      onCommitted: () => {
        stats.ruleCommits++;
      },
    });
    await this.committer.settled();
    this.rulesCommittedFirst = this.committer.failed === null && !this.committer.fenced;
    return this.rulesCommittedFirst;
  }

  /** Batches and wall-clock finalisation run one at a time: they share the task. */
  private exclusive(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => {});
    return run;
  }

  handle(batch: RecordBatch): Promise<void> {
    return this.exclusive(() => this.handleBatch(batch));
  }

  /** Live option: finalise quiet symbols by the wall clock when nothing arrived for `idleMs`. */
  idle(idleMs: number): Promise<void> {
    return this.exclusive(async () => {
      const now = this.context.now();
      if (
        !this.live ||
        this.fenced ||
        this.cut ||
        this.committer.failed !== null ||
        this.nextOffset === null ||
        now - this.lastInputAt < idleMs
      )
        return;
      // history (a replay, a backlog) is not a quiet market: finalising it up to now would emit a flat bar
      // for every empty interval in between
      const newest = this.task.newestEventMs;
      if (newest === null || now - newest > HISTORY_MS) return;
      this.task.advanceWatermark(now - idleMs);
      await this.finishCatchUp();
      if (this.cut) return;
      const outputs = this.task.take();
      if (outputs.bars.length === 0 && outputs.indicators.length === 0 && outputs.alerts.length === 0) return;
      // not a function of the records: checkpoint the state after it, so a restart continues from there
      const offset = String(this.nextOffset);
      const checkpoint = this.takeCheckpoint(offset);
      this.publishAtOnce(outputs.alerts);
      this.committer.enqueue({ outputs, checkpoint, nextOffset: offset, stateTime: now, inputRecords: 0 });
    });
  }

  /** Waits for the batch being handled and for every commit of what was handled. */
  async settle(): Promise<void> {
    await this.queue;
    await this.committer.settled();
  }

  /** Settles, then lets the producer go. */
  async close(): Promise<void> {
    await this.queue;
    await this.committer.close();
  }

  private async handleBatch(batch: RecordBatch): Promise<void> {
    // after a failed commit the processor rebuilds this partition and seeks: this task is done with
    if (this.committer.failed !== null || this.fenced || this.cut) return;
    this.lastInputAt = this.context.now();
    const records = this.unapplied(BatchInput.of(batch));
    if (records.length === 0) return;
    const lastOffset = records.offsetNumber(records.length - 1);
    this.lag = Math.max(0, Number(BigInt(batch.highWatermark) - lastOffset - 1n));
    let split = 0;
    if (records.offsetNumber(0) < this.silentUntil) {
      while (split < records.length && records.offsetNumber(split) < this.silentUntil) split++;
    }
    if (split > 0) {
      this.task.silent = true;
      await this.processInSlices(split === records.length ? records : records.slice(0, split));
      if (this.cut) return;
      // committed before the restart; their alerts may not have reached the fan-out (it drops repeats)
      const republish = this.task.take().alerts;
      if (republish.length > 0) this.context.publish(republish);
      this.context.stats.silentRecords += split;
      this.nextOffset = records.offsetNumber(split - 1) + 1n;
    }
    const live = split === 0 ? records : records.slice(split);
    if (live.length === 0) return;
    const first = { offset: live.offset(0), timestamp: live.timestamp(0) };
    const stats = this.context.stats;
    const started = performance.now();
    const checkpoint = await this.prepareLive(first, batch.highWatermark);
    if (this.committer.failed !== null || this.fenced) return;
    // at-once: a slice's alerts go out when it is done, not after the batch's last slice
    let published = 0;
    const counts = await this.processInSlices(live, () => {
      const alerts = this.task.alertsFrom(published);
      published += alerts.length;
      this.publishAtOnce(alerts);
    });
    if (this.cut) return;
    const outputs = this.task.take();
    stats.processMs += performance.now() - started;
    stats.records += live.length;
    stats.ticks += counts.ticks;
    this.recordsSinceCheckpoint += live.length;
    this.nextOffset = lastOffset + 1n;
    this.committer.enqueue({
      outputs,
      checkpoint,
      nextOffset: String(this.nextOffset),
      stateTime: records.timestamp(records.length - 1),
      inputRecords: live.length,
    });
    if (this.committer.backlog >= MAX_UNCOMMITTED_RECORDS) await this.committer.settled();
  }

  /** The same outputs as one `task.process(records)` (split invariance), yielding between slices. */
  private async processInSlices(records: BatchInput, afterSlice?: () => void): Promise<ProcessedCounts> {
    let ticks = 0;
    let refused = 0;
    for (let from = 0; from < records.length; ) {
      if (from > 0) await nextTurn();
      const counts = this.task.processSome(records, from, Math.min(records.length, from + RECORDS_PER_SLICE));
      ticks += counts.ticks;
      refused += counts.refused;
      from = counts.next;
      await this.finishCatchUp();
      if (this.cut) break;
      afterSlice?.();
    }
    // the consumer refills the batch's columns once the handler is done
    this.task.releaseInput();
    return { ticks, refused };
  }

  /**
   * A jump in event time across many symbols: their catch-up a step at a time, the event loop in between.
   * After `abandon()` the batch stops here uncommitted (the next owner redoes it from the last commit).
   */
  private async finishCatchUp(): Promise<void> {
    while (this.task.catchUpStep()) {
      this.context.stats.catchUpSteps++;
      await nextTurn();
      if (this.abandoned) {
        this.cut = true;
        return;
      }
    }
  }

  /** Closing: a catch-up in progress stops at its next step, its batch is not committed. */
  abandon(): void {
    this.abandoned = true;
  }

  /** The records not applied yet (a batch re-delivered after a seek may start before them; offsets ascend). */
  private unapplied(records: BatchInput): BatchInput {
    const next = this.nextOffset;
    if (next === null || records.length === 0 || records.offsetNumber(0) >= next) return records;
    let from = 1;
    while (from < records.length && records.offsetNumber(from) < next) from++;
    return records.slice(from);
  }

  /** Going live (or staying live): apply rule changes, decide whether this batch carries a checkpoint. */
  private async prepareLive(
    first: InputPosition,
    highWatermark: string,
  ): Promise<PartitionCheckpoint | null> {
    this.task.silent = false;
    const atOnce = !this.context.publishAfterCommit;
    let force = false;
    let rulesChanged = false;
    const upserted: string[] = [];
    const apply = (sync: RuleSync) => {
      for (const id of sync.upserted) upserted.push(id);
      rulesChanged = sync.removed || sync.upserted.length > 0 || rulesChanged;
    };
    if (!this.live && this.rulesCommittedFirst) {
      this.live = true;
      // the changes since that rule set, committed (and their rules' alerts held) as any rule change
      this.pendingRules.length = 0;
      apply(this.task.syncRules(this.context.rules()));
    } else if (!this.live) {
      this.live = true;
      force = true;
      // at-once: the previous owner may have published alerts of records it never committed, computed with
      // the checkpoint's rules; recomputing those records with the same rules gives the same alerts (same
      // ids, dropped by the fan-out) and commits them, so none is published that the alerts topic lacks
      if (atOnce && this.restored) this.holdRulesUntil = BigInt(highWatermark);
      else {
        // not restored from a checkpoint: none committed holds these rules (a new owner would start from
        // nothing, with the rules of its day), so they are committed first, even if the restore synced them
        const rules = this.context.rules();
        this.task.syncRules(rules);
        for (const id of rules.keys()) upserted.push(id);
        rulesChanged = true;
      }
    }
    const holding = this.holdRulesUntil !== null && BigInt(first.offset) < this.holdRulesUntil;
    if (this.holdRulesUntil !== null && !holding) {
      this.holdRulesUntil = null;
      this.pendingRules.length = 0;
      // the checkpoint's rules unchanged (the usual restart): nothing to commit, no alert to hold back
      apply(this.task.syncRules(this.context.rules()));
    }
    if (!holding && this.pendingRules.length > 0 && this.ruleChangesDue(atOnce)) {
      this.rulesChangedAt = this.context.now();
      for (const change of this.pendingRules.splice(0)) {
        if (change.kind === 'upsert') {
          if (this.task.upsertRule(change.id, change.rule)) apply({ upserted: [change.id], removed: false });
        } else if (this.task.removeRule(change.id)) apply({ upserted: [], removed: true });
      }
    }
    if (rulesChanged && atOnce) {
      this.commitRules(first, upserted);
      return null;
    }
    const { snapshotEveryRecords, snapshotEveryMs } = this.context.config;
    const due =
      force ||
      rulesChanged ||
      !this.checkpointTaken ||
      this.recordsSinceCheckpoint >= snapshotEveryRecords ||
      this.context.now() - this.lastCheckpointAt >= snapshotEveryMs;
    // taken BEFORE the batch: a restart then always re-processes (silently) at least the last committed
    // batch, and re-publishes its alerts to the fan-out in case the crash came between commit and publish
    return due ? this.takeCheckpoint(first.offset) : null;
  }

  /**
   * Rule changes take effect at most every `ruleChangeIntervalMs` (each one costs a checkpoint with the
   * partition's rule set, megabytes with thousands of rules), and at once not while a rule set is still
   * committing: a burst of edits becomes one rule set.
   */
  private ruleChangesDue(atOnce: boolean): boolean {
    if (atOnce && this.heldAlerts !== null) return false;
    return this.context.now() - this.rulesChangedAt >= this.context.config.ruleChangeIntervalMs;
  }

  /**
   * At-once: a rule set is committed (a checkpoint holding it, with everything processed before it) before
   * any alert that depends on it is published. So whatever a new owner restores (the last committed
   * checkpoint, whose rules it holds over the records it finds) computes every alert already published with
   * the rules that published it. The batch goes on meanwhile: the alerts of the rules added or replaced, in
   * it and the batches after it, wait in `heldAlerts` until the rule set's transaction commits. A rule's
   * alerts depend on its own definition and state only, so an unchanged rule's alerts go out at once: the
   * new owner computes them alike with either rule set (one user's rule edit does not delay another's
   * alerts). Awaiting that commit here held the consumer (one batch at a time across partitions) for a
   * transaction per partition when going live.
   */
  private commitRules(first: InputPosition, upserted: readonly string[]): void {
    const checkpoint = this.takeCheckpoint(first.offset);
    const { stats } = this.context;
    const commit = ++this.ruleCommitsEnqueued;
    this.heldAlerts ??= [];
    for (const id of upserted) this.heldRules.add(id);
    this.committer.enqueue({
      outputs: emptyOutputs(),
      checkpoint,
      nextOffset: first.offset,
      stateTime: first.timestamp,
      inputRecords: 0,
      onCommitted: () => {
        stats.ruleCommits++;
        // a later rule change is still on its way: its alerts (held too) wait for it
        if (commit !== this.ruleCommitsEnqueued) return;
        const held = this.heldAlerts ?? [];
        this.heldAlerts = null;
        this.heldRules.clear();
        if (held.length > 0) this.context.publish(held);
      },
    });
  }

  /** At-once: alerts go to the fan-out now, or after the rule commit in flight (after-commit: the committer's). */
  private publishAtOnce(alerts: readonly AlertEvent[]): void {
    if (this.context.publishAfterCommit || alerts.length === 0) return;
    const held = this.heldAlerts;
    if (held === null) {
      this.context.publish(alerts);
      return;
    }
    const now: AlertEvent[] = [];
    for (const alert of alerts) (this.heldRules.has(alert.ruleId) ? held : now).push(alert);
    if (now.length > 0) this.context.publish(now);
  }

  private takeCheckpoint(nextOffset: string): PartitionCheckpoint | null {
    const started = performance.now();
    const checkpoint = this.task.checkpoint(nextOffset);
    this.context.stats.checkpointMs += performance.now() - started;
    if (checkpoint === null) return null;
    this.checkpointTaken = true;
    const phase = this.goingLive ? checkpointPhase(this.task.source.partition) : 0;
    this.goingLive = false;
    const { snapshotEveryRecords, snapshotEveryMs } = this.context.config;
    this.recordsSinceCheckpoint = Math.floor(phase * snapshotEveryRecords);
    this.lastCheckpointAt = this.context.now() - phase * snapshotEveryMs;
    return checkpoint;
  }
}
