import type { AlertEvent } from '../../../schemas/alert-event.js';
import { isNexuralError } from '../../../schemas/errors.js';
import type {
  LogRecord,
  OutgoingRecord,
  RecordBatch,
  TransactionalProducer,
} from '../../../schemas/ports/stream-log.js';
import type { RuleChange } from './alert-rules-table.js';
import { checkpointRecords, inSends } from './checkpoint-chunks.js';
import { type DerivedSerdes, encodeOutputs } from './encode-outputs.js';
import type { BatchOutputs } from './output-collector.js';
import { encodeProgress, type PartitionCheckpoint, progressKey } from './partition-checkpoint.js';
import type { PartitionTask } from './partition-task.js';
import type { ProcessorConfig } from './processor-config.js';
import type { ProcessorStats } from './processor-stats.js';

/** Below Kafka's default `message.max.bytes` (1 MiB), which bounds each partition's record batch in a send. */
const MAX_SEND_BYTES = 512 * 1024;

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
}

export interface Resume {
  /** first offset the task has not applied (null: from wherever the consumer starts) */
  readonly nextOffset: bigint | null;
  /** records below this offset were committed before: re-processed silently */
  readonly silentUntil: bigint;
  /** nextOffset of the checkpoint in the state topic, null if none */
  readonly checkpointOffset: string | null;
}

/**
 * An input partition this processor owns: its task, its transactional producer (one id per partition, so
 * whoever owns it next fences this one), and the consume-transform-produce loop: every live batch's
 * outputs, its progress (and, every so often, the partition's checkpoint) and its consumed offset are
 * committed in one transaction.
 */
export class OwnedPartition {
  fenced = false;
  lag = 0;
  private readonly pendingRules: RuleChange[] = [];
  private live: boolean;
  private nextOffset: bigint | null;
  private readonly silentUntil: bigint;
  private checkpointOffset: string | null;
  private recordsSinceCheckpoint = 0;
  private lastCheckpointAt: number;
  private lastInputAt: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: PartitionContext,
    readonly task: PartitionTask,
    private readonly producer: TransactionalProducer,
    resume: Resume,
  ) {
    this.nextOffset = resume.nextOffset;
    this.silentUntil = resume.silentUntil;
    this.checkpointOffset = resume.checkpointOffset;
    this.live = false;
    this.lastCheckpointAt = context.now();
    this.lastInputAt = context.now();
  }

  /** A rule change, applied before the next live batch (and checkpointed with it). */
  ruleChanged(change: RuleChange): void {
    if (this.live) this.pendingRules.push(change);
  }

  /** Runs partition work one piece at a time (batches and wall-clock finalisation share the producer). */
  exclusive(work: () => Promise<void>): Promise<void> {
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
      if (!this.live || this.fenced || this.nextOffset === null || now - this.lastInputAt < idleMs) return;
      this.task.advanceWatermark(now - idleMs);
      const outputs = this.task.take();
      if (outputs.bars.length === 0 && outputs.indicators.length === 0 && outputs.alerts.length === 0) return;
      // not a function of the records: checkpoint it with its outputs, so a restart continues from here
      const offset = String(this.nextOffset);
      await this.commit(outputs, this.task.checkpoint(offset), offset, null);
    });
  }

  async close(): Promise<void> {
    await this.queue;
    await this.producer.close().catch(() => {});
  }

  private async handleBatch(batch: RecordBatch): Promise<void> {
    if (this.fenced) return;
    this.lastInputAt = this.context.now();
    const next = this.nextOffset;
    const records = next === null ? batch.records : batch.records.filter((r) => BigInt(r.offset) >= next);
    const last = records.at(-1);
    if (last === undefined) return;
    this.lag = Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n));
    let split = 0;
    while (split < records.length && BigInt((records[split] as LogRecord).offset) < this.silentUntil) split++;
    let republish: readonly AlertEvent[] = [];
    if (split > 0) {
      this.task.silent = true;
      this.task.process(split === records.length ? records : records.slice(0, split));
      republish = this.task.take().alerts;
      this.context.stats.silentRecords += split;
      this.nextOffset = BigInt((records[split - 1] as LogRecord).offset) + 1n;
    }
    const live = split === 0 ? records : records.slice(split);
    const first = live[0];
    if (first === undefined) {
      if (republish.length > 0) this.context.publish(republish);
      return;
    }
    const stats = this.context.stats;
    const started = performance.now();
    const checkpoint = this.prepareLive(first.offset);
    const counts = this.task.process(live);
    const outputs = this.task.take();
    stats.processMs += performance.now() - started;
    stats.records += live.length;
    stats.ticks += counts.ticks;
    try {
      await this.commit(outputs, checkpoint, String(BigInt(last.offset) + 1n), last);
    } catch (error) {
      if (isNexuralError(error) && error.code === 'NXR_FENCED') {
        this.fenced = true;
        return;
      }
      throw error;
    }
    this.recordsSinceCheckpoint += live.length;
    if (republish.length > 0) this.context.publish(republish);
    if (outputs.alerts.length > 0) this.context.publish(outputs.alerts);
  }

  /** Going live (or staying live): apply rule changes, decide whether this batch carries a checkpoint. */
  private prepareLive(firstOffset: string): PartitionCheckpoint | null {
    this.task.silent = false;
    let force = false;
    if (!this.live) {
      this.live = true;
      this.task.syncRules(this.context.rules());
      force = true;
    }
    for (const change of this.pendingRules.splice(0)) {
      if (change.kind === 'upsert') this.task.upsertRule(change.id, change.rule);
      else this.task.removeRule(change.id);
      force = true;
    }
    const { snapshotEveryRecords, snapshotEveryMs } = this.context.config;
    const due =
      force ||
      this.checkpointOffset === null ||
      this.recordsSinceCheckpoint >= snapshotEveryRecords ||
      this.context.now() - this.lastCheckpointAt >= snapshotEveryMs;
    // captured BEFORE the batch: a restart then always re-processes (silently) at least the last committed
    // batch, and re-publishes its alerts to the fan-out in case the crash came between commit and publish
    return due ? this.task.checkpoint(firstOffset) : null;
  }

  private async commit(
    outputs: BatchOutputs,
    checkpoint: PartitionCheckpoint | null,
    nextOffset: string,
    last: LogRecord | null,
  ): Promise<void> {
    const { topic, partition } = this.task.source;
    const { stateTopic, serdes, groupId, stats } = this.context;
    const encoding = performance.now();
    const records: OutgoingRecord[] = await encodeOutputs(outputs, serdes, partition);
    const stateTime = last?.timestamp ?? this.context.now();
    if (checkpoint !== null) records.push(...checkpointRecords(stateTopic, checkpoint, stateTime));
    const checkpointOffset = checkpoint?.nextOffset ?? this.checkpointOffset;
    records.push({
      topic: stateTopic,
      key: progressKey(this.task.source),
      value: encodeProgress({ version: 1, nextOffset, checkpointOffset }),
      partition,
      timestamp: stateTime,
    });
    const committing = performance.now();
    stats.encodeMs += committing - encoding;
    const transaction = await this.producer.transaction();
    try {
      for (const send of inSends(records, MAX_SEND_BYTES)) await transaction.send(send);
      await transaction.sendOffsets(groupId, [{ topic, partition, offset: nextOffset }]);
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => {});
      throw error;
    }
    stats.commitMs += performance.now() - committing;
    this.nextOffset = BigInt(nextOffset);
    if (checkpoint !== null) {
      this.checkpointOffset = checkpoint.nextOffset;
      this.recordsSinceCheckpoint = 0;
      this.lastCheckpointAt = this.context.now();
      stats.checkpoints++;
    }
    stats.transactions++;
    stats.bars += outputs.bars.length;
    let finals = 0;
    for (const bar of outputs.bars) if (bar.value.final) finals++;
    stats.finalBars += finals;
    stats.indicators += outputs.indicators.length;
    stats.alerts += outputs.alerts.length;
    stats.deadLetters += outputs.deadLetters.length;
  }
}
