import type { AlertEvent } from '../../../schemas/alert-event.js';
import { isNexuralError } from '../../../schemas/errors.js';
import type {
  LogTransaction,
  OutgoingRecord,
  PartitionOffset,
  TopicPartition,
  TransactionalProducer,
} from '../../../schemas/ports/stream-log.js';
import { checkpointRecords, inSends, type WrittenRuleSet } from './checkpoint-chunks.js';
import { type DerivedSerdes, encodeOutputs } from './encode-outputs.js';
import type { BatchOutputs } from './output-collector.js';
import { encodeProgress, type PartitionCheckpoint, progressKey } from './partition-checkpoint.js';
import type { ProcessorStats } from './processor-stats.js';

/** Below Kafka's default `message.max.bytes` (1 MiB), which bounds each partition's record batch in a send. */
const MAX_SEND_BYTES = 512 * 1024;

/** Processed input not yet committed: the outputs up to `nextOffset`, maybe with a checkpoint. */
export interface PendingWork {
  readonly outputs: BatchOutputs;
  /** a checkpoint at an offset at or before the first record of these outputs' input, if one was due */
  readonly checkpoint: PartitionCheckpoint | null;
  readonly nextOffset: string;
  /** timestamp of the state records (the last input record's, so nothing is dated in the future) */
  readonly stateTime: number;
  readonly inputRecords: number;
  /** called once this work's transaction has committed (not if committing stops first) */
  readonly onCommitted?: (() => void) | undefined;
}

export interface CommitterContext {
  readonly groupId: string;
  readonly stateTopic: string;
  readonly serdes: DerivedSerdes;
  readonly stats: ProcessorStats;
  readonly publish: (alerts: readonly AlertEvent[]) => void;
  /** whether alerts go to the fan-out after their commit (else the batch path published them) */
  readonly publishAfterCommit: boolean;
  /** least ms between the starts of two transactions of the partition */
  readonly commitIntervalMs: number;
  /**
   * A commit failed (not fenced), e.g. the broker is unreachable: whether it took effect is unknown, so the
   * processor rebuilds the partition from what the log committed; the work after that is redone.
   */
  readonly commitFailed: (source: TopicPartition, error: Error) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const waitMs = sleep;

const merge = (into: BatchOutputs, from: BatchOutputs) => {
  for (const bar of from.bars) into.bars.push(bar);
  for (const value of from.indicators) into.indicators.push(value);
  for (const event of from.alerts) into.alerts.push(event);
  for (const letter of from.deadLetters) into.deadLetters.push(letter);
};

/** `work` added to what is pending: one transaction commits both (group commit). */
export function mergeWork(pending: PendingWork | null, work: PendingWork): PendingWork {
  if (pending === null) return { ...work, outputs: { ...work.outputs } };
  merge(pending.outputs, work.outputs);
  const before = pending.onCommitted;
  const after = work.onCommitted;
  return {
    onCommitted:
      before && after
        ? () => {
            before();
            after();
          }
        : (before ?? after),
    outputs: pending.outputs,
    // the later checkpoint is as valid (its outputs before it commit in this same transaction) and
    // leaves less to re-process after a restart
    checkpoint: work.checkpoint ?? pending.checkpoint,
    nextOffset: work.nextOffset,
    stateTime: work.stateTime,
    inputRecords: pending.inputRecords + work.inputRecords,
  };
}

/** What the processor's partitions do with their processed work: commit it, in order, off the batch path. */
export interface Committer {
  /** another owner took the partition over (or the group moved on): drop it */
  readonly fenced: boolean;
  /** the error that stopped committing (the partition is being rebuilt), if any */
  readonly failed: Error | null;
  /** input records processed but not committed yet */
  readonly backlog: number;
  enqueue(work: PendingWork): void;
  /** resolves once everything enqueued so far is committed (or committing stopped) */
  settled(): Promise<void>;
  /** settles, then lets go of what it holds */
  close(): Promise<void>;
}

/** A partition's records in a transaction, and what to note once that transaction has committed. */
export interface WorkRecords {
  readonly records: OutgoingRecord[];
  readonly offset: PartitionOffset;
  committed(): void;
}

/**
 * What the state topic holds of one partition, as its writer knows it: the checkpoint the progress records
 * point at and the rule set committed last. Turns a partition's work into its records for a transaction:
 * its outputs, the checkpoint if one is due, and the progress record.
 */
export class PartitionLedger {
  /**
   * The rule set last committed with a checkpoint: the state topic's latest for the partition (one
   * writer), so checkpoints with the same rules only refer to it. Null at first: a new owner writes its
   * rule set again with its first checkpoint.
   */
  private writtenRules: WrittenRuleSet | null = null;

  constructor(
    private readonly context: CommitterContext,
    readonly source: TopicPartition,
    /** offset of the checkpoint committed last (progress records point at it until a newer one commits) */
    private checkpointOffset: string | null,
  ) {}

  async records(work: PendingWork): Promise<WorkRecords> {
    const { topic, partition } = this.source;
    const { stateTopic, serdes, stats } = this.context;
    const { outputs, checkpoint, nextOffset, stateTime } = work;
    const encoding = performance.now();
    const records: OutgoingRecord[] = await encodeOutputs(outputs, serdes, partition);
    let ruleSet: WrittenRuleSet | null = null;
    if (checkpoint !== null) {
      const serialising = performance.now();
      const encoded = checkpointRecords(stateTopic, checkpoint, stateTime, this.writtenRules);
      for (const chunk of encoded.records) stats.checkpointBytes += chunk.value?.length ?? 0;
      if (encoded.writesRuleSet) stats.ruleSets++;
      stats.checkpointMs += performance.now() - serialising;
      records.push(...encoded.records);
      ruleSet = encoded.ruleSet;
    }
    const checkpointOffset = checkpoint?.nextOffset ?? this.checkpointOffset;
    records.push({
      topic: stateTopic,
      key: progressKey(this.source),
      value: encodeProgress({ version: 1, nextOffset, checkpointOffset }),
      partition,
      timestamp: stateTime,
    });
    stats.encodeMs += performance.now() - encoding;
    return {
      records,
      offset: { topic, partition, offset: nextOffset },
      committed: () => {
        this.checkpointOffset = checkpointOffset;
        if (checkpoint !== null) {
          this.writtenRules = ruleSet;
          stats.checkpoints++;
        }
        stats.bars += outputs.bars.length;
        for (const bar of outputs.bars) if (bar.value.final) stats.finalBars++;
        stats.indicators += outputs.indicators.length;
        stats.alerts += outputs.alerts.length;
        stats.deadLetters += outputs.deadLetters.length;
      },
    };
  }
}

/** Sends `records` in sends Kafka takes (a partition's record batch under its size bound). */
export async function sendAll(
  transaction: LogTransaction,
  records: readonly OutgoingRecord[],
): Promise<void> {
  for (const send of inSends(records, MAX_SEND_BYTES)) await transaction.send(send);
}

/**
 * Commits a partition's processed work in transactions, one at a time, off the batch path: while one
 * transaction is in flight the engine goes on with the next batches, and everything processed meanwhile
 * goes into the next transaction (group commit). A transaction's cost (several round trips and the broker
 * writing commit markers) is then paid once per interval rather than once per batch, and a slow commit
 * grows the next transaction instead of the lag. Each transaction holds its outputs, a progress record,
 * the latest checkpoint taken since the previous one, and the consumed offset.
 */
export class PartitionCommitter implements Committer {
  private pending: PendingWork | null = null;
  private inFlight: Promise<void> | null = null;
  private failure: Error | null = null;
  private fencedOff = false;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  private readonly ledger: PartitionLedger;

  constructor(
    private readonly context: CommitterContext,
    private readonly source: TopicPartition,
    private readonly producer: TransactionalProducer,
    /** offset of the checkpoint committed last (progress records point at it until a newer one commits) */
    checkpointOffset: string | null,
  ) {
    this.ledger = new PartitionLedger(context, source, checkpointOffset);
  }

  get fenced(): boolean {
    return this.fencedOff;
  }

  get failed(): Error | null {
    return this.failure;
  }

  get backlog(): number {
    return this.pending?.inputRecords ?? 0;
  }

  enqueue(work: PendingWork): void {
    this.pending = mergeWork(this.pending, work);
    this.inFlight ??= this.drain();
  }

  async settled(): Promise<void> {
    while (this.inFlight !== null) await this.inFlight;
  }

  async close(): Promise<void> {
    await this.settled();
    await this.producer.close().catch(() => {});
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending !== null && !this.fencedOff && this.failure === null) {
        const wait = this.lastCommitAt + this.context.commitIntervalMs - performance.now();
        if (wait > 0) await sleep(wait);
        this.lastCommitAt = performance.now();
        const work = this.pending;
        this.pending = null;
        await this.commit(work);
        work.onCommitted?.();
        if (this.context.publishAfterCommit && work.outputs.alerts.length > 0) {
          this.context.publish(work.outputs.alerts);
        }
      }
    } catch (error) {
      if (isNexuralError(error) && error.code === 'NXR_FENCED') this.fencedOff = true;
      else {
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.context.commitFailed(this.source, this.failure);
      }
    } finally {
      this.inFlight = null;
    }
  }

  private async commit(work: PendingWork): Promise<void> {
    const { stats, groupId } = this.context;
    const prepared = await this.ledger.records(work);
    const committing = performance.now();
    const transaction = await this.producer.transaction();
    try {
      await sendAll(transaction, prepared.records);
      await transaction.sendOffsets(groupId, [prepared.offset]);
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => {});
      throw error;
    }
    stats.commitMs += performance.now() - committing;
    if (work.checkpoint !== null) stats.checkpointCommitMs += performance.now() - committing;
    stats.transactions++;
    prepared.committed();
  }
}
